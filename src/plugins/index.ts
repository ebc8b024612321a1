/**
 * The built-in plugins by name: the module each one's worker loads (its
 * default export is the plugin definition).
 */
export const builtinPlugins = {
  system: new URL('./system/index.js', import.meta.url),
  fs: new URL('./fs/index.js', import.meta.url),
  notify: new URL('./notify/index.js', import.meta.url),
  media: new URL('./media/index.js', import.meta.url),
} as const;

export type BuiltinPluginName = keyof typeof builtinPlugins;
