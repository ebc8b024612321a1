import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { defaultDataDir } from '../common/paths.js';
import { logLevels, type LogLevel } from '../observability/logger.js';
import { AgentError } from './errors.js';
import { formatZodError } from '../common/zod-error.js';
import { agentAuthModes, type AgentAuthMode } from './session-auth.js';
import { dhtConfigFromEnv, dhtConfigSchema, resolveDhtSettings, type DhtSettings } from './dht-config.js';
import { agentTlsConfigSchema, checkTlsRouterUrl, tlsConfigFromEnv, type AgentTlsConfig } from './tls.js';

export const builtinPluginNames = ['system', 'fs', 'notify', 'media'] as const;
export type BuiltinPluginName = (typeof builtinPluginNames)[number];

/**
 * What happens when a plugin's main() returns or throws (or its worker dies):
 * always: restart it (with backoff); on-failure: restart only after a crash;
 * never: leave it stopped; stop-agent: stop the whole agent (the seed's "stop
 * all services when the first one exits").
 */
export const restartPolicies = ['always', 'on-failure', 'never', 'stop-agent'] as const;
export type RestartPolicy = (typeof restartPolicies)[number];

export const defaults = {
  router: 'ws://127.0.0.1:8080/ws',
  realm: 'thoth',
  shutdownDeadlineMs: 5000,
  heartbeatIntervalMs: 5000,
  restart: 'on-failure' as RestartPolicy,
  backoff: { initialMs: 1000, maxMs: 60_000 },
  reconnect: { initialMs: 500, maxMs: 30_000 },
  logLevel: 'info' as LogLevel,
  /** Transport PINGs on the agent's and the plugins' sessions, so a router gone silent is noticed and reconnected. */
  pingIntervalMs: 15_000,
} as const;

export const pluginNamePattern = /^[A-Za-z0-9_-]{1,64}$/;
const pluginName = z.string().regex(pluginNamePattern, "must be 1 to 64 letters, digits, '-' or '_'");
const positiveMs = z.number().int().positive();
const backoffSchema = z.strictObject({ initialMs: positiveMs.optional(), maxMs: positiveMs.optional() });

/** One plugin to run: a built-in name, a path (./x.js, /abs/x.js) or a package name. */
export const pluginSpecSchema = z.strictObject({
  use: z.string().min(1),
  /** Instance name; default: the plugin's own name. Per-plugin flags use it: --<name>.<key>. */
  name: pluginName.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  restart: z.enum(restartPolicies).optional(),
  backoff: backoffSchema.optional(),
});
export type PluginSpec = z.infer<typeof pluginSpecSchema>;

/** Tag names as the router's registry takes them (src/mesh/records.ts); the bad name is the issue's path. */
const tagsSchema = z.record(z.string(), z.string()).superRefine((tags, ctx) => {
  for (const key of Object.keys(tags)) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: "a tag name is 1 to 32 lowercase letters, digits, '_' or '-', starting with a letter" });
    else if (key === 'kind') ctx.addIssue({ code: 'custom', path: [key], message: '"kind" is reserved for selecting modalities' });
  }
});

/** The agent's config: a file (JSON or YAML), env and flags each give some of it. Unknown keys are refused. */
export const agentConfigSchema = z.strictObject({
  router: z.string().refine((url) => URL.canParse(url), 'must be a URL such as ws://127.0.0.1:8080/ws').optional(),
  realm: z.string().min(1).optional(),
  name: z.string().min(1).max(64).optional(),
  tags: tagsSchema.optional(),
  dataDir: z.string().min(1).optional(),
  heartbeatIntervalMs: positiveMs.optional(),
  shutdownDeadlineMs: positiveMs.optional(),
  logLevel: z.enum(logLevels as [LogLevel, ...LogLevel[]]).optional(),
  reconnect: backoffSchema.optional(),
  /** How the agent and its plugins join: auto (default), device (device key, pairing), anonymous (loopback only). */
  auth: z.enum(agentAuthModes).optional(),
  /** The agent's DHT node (dht-config.ts); merged key by key across layers. */
  dht: dhtConfigSchema.optional(),
  /** wss:// and tls:// routers: pin the router's certificate, or trust a CA file (tls.ts). */
  tls: agentTlsConfigSchema.optional(),
  /** Unset: the built-in plugins (see defaultPlugins); [] runs none. */
  plugins: z.array(pluginSpecSchema).optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

export { defaultDataDir };

/** A plugin spec with every default filled in and relative paths resolved. */
export interface ResolvedPluginSpec {
  use: string;
  name: string | undefined;
  config: Record<string, unknown>;
  restart: RestartPolicy;
  backoff: { initialMs: number; maxMs: number };
}

/** The agent's settings after merging defaults, file, env and flags. */
export interface AgentSettings {
  router: string;
  realm: string;
  name: string | undefined;
  tags: Record<string, string>;
  dataDir: string;
  /** Unset: what the router answers to the first heartbeat, else defaults.heartbeatIntervalMs. */
  heartbeatIntervalMs: number | undefined;
  shutdownDeadlineMs: number;
  logLevel: LogLevel;
  reconnect: { initialMs: number; maxMs: number };
  auth: AgentAuthMode;
  dht: DhtSettings;
  /** How the router's certificate is checked (wss://, tls://); the CA is a file path until the agent starts. */
  tls?: AgentTlsConfig | undefined;
  plugins: ResolvedPluginSpec[];
}


/** The plugins an agent runs when its config names none: every built-in, fs confined to the home folder. */
export function defaultPlugins(home: string = homedir()): PluginSpec[] {
  return [{ use: 'system' }, { use: 'notify' }, { use: 'fs', config: { roots: [home] } }, { use: 'media' }];
}

/** Validate a config value (from a file, or built in code); `where` prefixes the message. */
export function parseAgentConfig(value: unknown, where: string): AgentConfig {
  const parsed = agentConfigSchema.safeParse(value ?? {});
  if (!parsed.success) throw new AgentError('invalid_config', `${where}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** A config file, JSON (.json) or YAML (anything else). Relative plugin paths in it are resolved against its folder. */
export async function loadAgentConfigFile(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AgentError('invalid_config', `cannot read config file ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const json = extname(path) === '.json';
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new AgentError('invalid_config', `config file ${path} is not valid ${json ? 'JSON' : 'YAML'}: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  const config = parseAgentConfig(value, `config file ${path}`);
  if (config.plugins !== undefined) {
    const base = dirname(resolve(path));
    config.plugins = config.plugins.map((spec) => ({ ...spec, use: resolvePluginPath(spec.use, base) }));
  }
  return config;
}

/** A relative path (./x, ../x) made absolute against `base`; anything else unchanged. */
export function resolvePluginPath(use: string, base: string): string {
  return use.startsWith('./') || use.startsWith('../') ? resolve(base, use) : use;
}

/** `k=v` pairs, from --tag flags or THOTH_TAGS (comma separated). */
export function parseTags(pairs: readonly string[], where: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new AgentError('invalid_config', `${where}: expected key=value, got "${pair}"`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const parsed = tagsSchema.safeParse(tags);
  if (!parsed.success) throw new AgentError('invalid_config', `${where}: ${formatZodError(parsed.error)}`);
  return tags;
}

/** The part of the config set by THOTH_* environment variables (each named in its error). */
export function configFromEnv(env: NodeJS.ProcessEnv): AgentConfig {
  const out: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  const take = (variable: string, key: string, convert: (text: string) => unknown = (t) => t): void => {
    const text = env[variable];
    if (text === undefined || text === '') return;
    out[key] = convert(text);
    names[key] = variable;
  };
  take('THOTH_URL', 'router');
  take('THOTH_REALM', 'realm');
  take('THOTH_AGENT_NAME', 'name');
  take('THOTH_DATA_DIR', 'dataDir');
  take('THOTH_LOG_LEVEL', 'logLevel');
  take('THOTH_AGENT_AUTH', 'auth');
  take('THOTH_TAGS', 'tags', (text) => parseTags(text.split(',').filter((s) => s !== ''), 'THOTH_TAGS'));
  take('THOTH_HEARTBEAT_INTERVAL_MS', 'heartbeatIntervalMs', Number);
  take('THOTH_SHUTDOWN_DEADLINE_MS', 'shutdownDeadlineMs', Number);
  const dht = dhtConfigFromEnv(env);
  if (dht !== undefined) out['dht'] = dht;
  const tls = tlsConfigFromEnv(env);
  if (tls !== undefined) {
    out['tls'] = tls.value;
    names['tls'] = tls.variables;
  }
  const parsed = agentConfigSchema.safeParse(out);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new AgentError('invalid_config', `environment variable ${names[key] ?? key}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Merge config layers, later ones winning key by key (tags merge; `plugins`
 * lists concatenate), then fill in defaults. `extraPlugins` come from --plugin.
 */
export function resolveAgentSettings(layers: readonly AgentConfig[], env: NodeJS.ProcessEnv = process.env): AgentSettings {
  const merged: AgentConfig = {};
  let tags: Record<string, string> = {};
  let plugins: PluginSpec[] | undefined;
  for (const layer of layers) {
    const { tags: layerTags, plugins: layerPlugins, ...rest } = layer;
    Object.assign(merged, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
    if (layerTags !== undefined) tags = { ...tags, ...layerTags };
    if (layerPlugins !== undefined) plugins = [...(plugins ?? []), ...layerPlugins];
  }
  const reconnect = { initialMs: merged.reconnect?.initialMs ?? defaults.reconnect.initialMs, maxMs: merged.reconnect?.maxMs ?? defaults.reconnect.maxMs };
  if (reconnect.maxMs < reconnect.initialMs) throw new AgentError('invalid_config', 'reconnect.maxMs: must be at least reconnect.initialMs');
  checkTlsRouterUrl(merged.tls, merged.router ?? defaults.router);
  return {
    router: merged.router ?? defaults.router,
    realm: merged.realm ?? defaults.realm,
    name: merged.name,
    tags,
    dataDir: merged.dataDir ?? defaultDataDir(env),
    heartbeatIntervalMs: merged.heartbeatIntervalMs,
    shutdownDeadlineMs: merged.shutdownDeadlineMs ?? defaults.shutdownDeadlineMs,
    logLevel: merged.logLevel ?? defaults.logLevel,
    reconnect,
    auth: merged.auth ?? 'auto',
    dht: resolveDhtSettings(layers.map((layer) => layer.dht), merged.router ?? defaults.router),
    tls: merged.tls,
    plugins: (plugins ?? defaultPlugins()).map((spec, index) => resolvePluginSpec(spec, `plugins.${index}`)),
  };
}

/** Fill in a plugin spec's defaults; relative paths resolve against the working directory. */
export function resolvePluginSpec(spec: PluginSpec, where = 'plugin'): ResolvedPluginSpec {
  const backoff = { initialMs: spec.backoff?.initialMs ?? defaults.backoff.initialMs, maxMs: spec.backoff?.maxMs ?? defaults.backoff.maxMs };
  if (backoff.maxMs < backoff.initialMs) throw new AgentError('invalid_config', `${where}.backoff.maxMs: must be at least backoff.initialMs`);
  return {
    use: resolvePluginPath(spec.use, process.cwd()),
    name: spec.name,
    config: { ...spec.config },
    restart: spec.restart ?? defaults.restart,
    backoff,
  };
}
