import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { builtinPluginNames, pluginNamePattern, type BuiltinPluginName } from './config.js';
import { AgentError, messageOf } from './errors.js';
import type { PluginDefinition } from './plugin.js';
import { formatZodError } from '../common/zod-error.js';

const isFunction = (value: unknown): boolean => typeof value === 'function';

const definitionSchema = z.object({
  name: z.string().regex(pluginNamePattern, "must be 1 to 64 letters, digits, '-' or '_'"),
  description: z.string().optional(),
  modalities: z.array(z.object({
    kind: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "a modality kind is 1 to 32 lowercase letters, digits, '_' or '-'"),
    name: z.string().min(1).max(64).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })),
  config: z.custom<z.ZodType>((value) => typeof value === 'object' && value !== null && isFunction((value as { safeParse?: unknown }).safeParse), 'must be a zod schema'),
  main: z.custom<PluginDefinition['main']>(isFunction, 'must be a function'),
});

export function isBuiltinPlugin(use: string): use is BuiltinPluginName {
  return (builtinPluginNames as readonly string[]).includes(use);
}

/**
 * Where `use` lives, as something import() takes: a built-in name -> the
 * compiled src/plugins/<name>/index.js next to this file's build; an absolute
 * path or file: URL -> that file; anything else is a package name, looked up
 * from the working directory first, then from thoth's own install.
 */
export function resolvePluginModule(use: string, cwd: string = process.cwd()): string {
  if (isBuiltinPlugin(use)) return new URL(`../plugins/${use}/index.js`, import.meta.url).href;
  if (use.startsWith('file:')) return use;
  if (isAbsolute(use)) return pathToFileURL(use).href;
  if (use.startsWith('./') || use.startsWith('../')) return pathToFileURL(join(cwd, use)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(use)).href;
  } catch {
    return use;
  }
}

/** Import a plugin module and check its default export is a plugin definition. */
export async function importPlugin(use: string, moduleUrl: string = resolvePluginModule(use)): Promise<PluginDefinition> {
  let module: { default?: unknown };
  try {
    module = (await import(moduleUrl)) as { default?: unknown };
  } catch (cause) {
    throw new AgentError('plugin_load', `cannot load plugin "${use}": ${messageOf(cause)}`, { cause });
  }
  const parsed = definitionSchema.safeParse(module.default);
  if (!parsed.success) {
    const what = formatZodError(parsed.error, 'default export');
    throw new AgentError('plugin_load', `"${use}" is not a thoth plugin (its default export must be definePlugin({...})): ${what}`);
  }
  return module.default as PluginDefinition;
}

/** Validate a plugin's config against its schema; the error names the plugin and the key. */
export function validatePluginConfig(pluginName: string, definition: PluginDefinition, config: unknown): unknown {
  const parsed = definition.config.safeParse(config);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `config key "${path}": ${issue.message}` : `config: ${issue.message}`;
  });
  throw new AgentError('plugin_config', `plugin ${pluginName}: ${issues.join('; ')}`);
}
