import type { ResolvedPluginSpec, RestartPolicy } from './config.js';
import { AgentError } from './errors.js';
import { applyPluginFlags, derivePluginFlags, type PluginFlag, type RawPluginFlag } from './plugin-flags.js';
import { importPlugin, resolvePluginModule, validatePluginConfig } from './plugin-loader.js';
import type { PluginDefinition } from './plugin.js';

/** A plugin ready to run: module found and imported, config (with its flags applied) valid. */
export interface PreparedPlugin {
  /** Instance name: the spec's name, else the plugin's own. Unique within an agent. */
  name: string;
  use: string;
  moduleUrl: string;
  definition: PluginDefinition;
  /** The config as given (flags applied), already validated; the worker validates it again. */
  config: Record<string, unknown>;
  restart: RestartPolicy;
  backoff: { initialMs: number; maxMs: number };
  flags: PluginFlag[];
}

export async function preparePlugin(spec: ResolvedPluginSpec, rawFlags: readonly RawPluginFlag[] = []): Promise<PreparedPlugin> {
  const moduleUrl = resolvePluginModule(spec.use);
  const definition = await importPlugin(spec.use, moduleUrl);
  const name = spec.name ?? definition.name;
  const flags = derivePluginFlags(definition.config);
  const config = applyPluginFlags(name, flags, rawFlags, spec.config);
  validatePluginConfig(name, definition, config);
  return { name, use: spec.use, moduleUrl, definition, config, restart: spec.restart, backoff: spec.backoff, flags };
}

/**
 * Prepare every plugin of a config. Two plugins with one name, or a flag
 * naming no plugin, are errors.
 */
export async function preparePlugins(specs: readonly ResolvedPluginSpec[], rawFlags: readonly RawPluginFlag[] = []): Promise<PreparedPlugin[]> {
  const prepared: PreparedPlugin[] = [];
  for (const spec of specs) {
    const plugin = await preparePlugin(spec, rawFlags);
    if (prepared.some((p) => p.name === plugin.name)) {
      throw new AgentError('plugin_name', `two plugins are named "${plugin.name}": give one a different "name" in the config`);
    }
    prepared.push(plugin);
  }
  for (const flag of rawFlags) {
    if (!prepared.some((p) => p.name === flag.plugin)) {
      const names = prepared.map((p) => p.name).join(', ') || 'none';
      throw new AgentError('plugin_config', `--${flag.plugin}.${flag.key}: no plugin named "${flag.plugin}" is configured (plugins: ${names})`);
    }
  }
  return prepared;
}
