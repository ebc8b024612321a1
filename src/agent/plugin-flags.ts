import { AgentError } from './errors.js';

/** The kinds of config key that get a command-line flag. */
export type FlagKind = 'string' | 'number' | 'boolean' | 'enum' | 'list';

/** A flag derived from one top-level key of a plugin's z.object config schema. */
export interface PluginFlag {
  key: string;
  kind: FlagKind;
  /** enum: the allowed values. */
  choices: string[] | undefined;
  description: string | undefined;
  /** The schema's default, when it has one. */
  defaultValue: unknown;
}

/** A `--<plugin>.<key> [value]` found on the command line, not yet checked against any schema. */
export interface RawPluginFlag {
  plugin: string;
  key: string;
  /** Undefined for a bare flag (a boolean). */
  value: string | undefined;
}

/*
 * zod schemas are read through their `_zod.def` data rather than instanceof,
 * so a plugin built against its own copy of zod 4 works too.
 */
interface ZodDef {
  type: string;
  innerType?: ZodLike;
  shape?: Record<string, ZodLike>;
  element?: ZodLike;
  entries?: Record<string, string | number>;
  defaultValue?: unknown;
}
interface ZodLike {
  _zod: { def: ZodDef };
  description?: string;
}

function isZodLike(value: unknown): value is ZodLike {
  if (typeof value !== 'object' || value === null || !('_zod' in value)) return false;
  const internals = (value as { _zod: unknown })._zod;
  return typeof internals === 'object' && internals !== null && typeof (internals as { def?: { type?: unknown } }).def?.type === 'string';
}

/**
 * The flags of a config schema: one per top-level key of a z.object whose type
 * (under optional / default / nullable) is a string, number, boolean, enum of
 * strings, or array of strings. Other keys get no flag (set them in a config file).
 */
export function derivePluginFlags(schema: unknown): PluginFlag[] {
  if (!isZodLike(schema) || schema._zod.def.type !== 'object' || schema._zod.def.shape === undefined) return [];
  const flags: PluginFlag[] = [];
  for (const [key, field] of Object.entries(schema._zod.def.shape)) {
    let inner: ZodLike | undefined = field;
    let description = field.description;
    let defaultValue: unknown;
    while (inner !== undefined && ['optional', 'default', 'nullable', 'prefault'].includes(inner._zod.def.type)) {
      if (inner._zod.def.type === 'default') defaultValue = inner._zod.def.defaultValue;
      inner = inner._zod.def.innerType;
      description ??= inner?.description;
    }
    if (inner === undefined) continue;
    const def = inner._zod.def;
    let kind: FlagKind | undefined;
    let choices: string[] | undefined;
    if (def.type === 'string' || def.type === 'number' || def.type === 'boolean') kind = def.type;
    else if (def.type === 'enum' && def.entries !== undefined && Object.values(def.entries).every((v) => typeof v === 'string')) {
      kind = 'enum';
      choices = Object.values(def.entries) as string[];
    } else if (def.type === 'array' && def.element?._zod.def.type === 'string') kind = 'list';
    if (kind !== undefined) flags.push({ key, kind, choices, description, defaultValue });
  }
  return flags;
}

const flagPattern = /^--([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(?:=(.*))?$/s;

/**
 * Pick `--<plugin>.<key> value`, `--<plugin>.<key>=value` and bare
 * `--<plugin>.<key>` out of the arguments commander did not know. A token
 * after a flag is its value unless it starts with `--`. Anything else left over
 * is an error naming it.
 */
export function splitPluginFlags(tokens: readonly string[]): RawPluginFlag[] {
  const out: RawPluginFlag[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] ?? '';
    const match = flagPattern.exec(token);
    if (match === null) {
      throw new AgentError('invalid_config', token.startsWith('-') ? `unknown option ${token}` : `unexpected argument "${token}"`);
    }
    const [, plugin = '', key = '', inline] = match;
    let value = inline;
    const next = tokens[i + 1];
    if (value === undefined && next !== undefined && !next.startsWith('--')) {
      value = next;
      i += 1;
    }
    out.push({ plugin, key, value });
  }
  return out;
}

function flagName(plugin: string, key: string): string {
  return `--${plugin}.${key}`;
}

function convert(plugin: string, flag: PluginFlag, value: string | undefined): unknown {
  const name = flagName(plugin, flag.key);
  if (flag.kind === 'boolean') {
    if (value === undefined || ['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new AgentError('plugin_config', `${name}: expected true or false, got "${value}"`);
  }
  if (value === undefined) throw new AgentError('plugin_config', `${name}: needs a value`);
  switch (flag.kind) {
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new AgentError('plugin_config', `${name}: expected a number, got "${value}"`);
      return n;
    }
    case 'enum':
      if (!(flag.choices ?? []).includes(value)) throw new AgentError('plugin_config', `${name}: expected one of ${(flag.choices ?? []).join(', ')}, got "${value}"`);
      return value;
    case 'list':
      return value.split(',').filter((item) => item !== '');
    default:
      return value;
  }
}

/**
 * The config of plugin `plugin` with its command-line flags applied over
 * `base`: a flag replaces the key's value; a list flag given twice appends.
 * A flag for a key with no derived flag is an error listing the flags there are.
 */
export function applyPluginFlags(plugin: string, flags: readonly PluginFlag[], raw: readonly RawPluginFlag[], base: Record<string, unknown>): Record<string, unknown> {
  const config = { ...base };
  const seen = new Set<string>();
  for (const given of raw) {
    if (given.plugin !== plugin) continue;
    const flag = flags.find((f) => f.key === given.key);
    if (flag === undefined) {
      const known = flags.map((f) => flagName(plugin, f.key)).join(', ') || 'none';
      throw new AgentError('plugin_config', `${flagName(plugin, given.key)}: the plugin ${plugin} has no config key "${given.key}" settable by flag (its flags: ${known})`);
    }
    const value = convert(plugin, flag, given.value);
    const previous = config[flag.key];
    config[flag.key] = flag.kind === 'list' && seen.has(flag.key) && Array.isArray(previous) ? [...(previous as unknown[]), ...(value as unknown[])] : value;
    seen.add(flag.key);
  }
  return config;
}

/** Help lines for a plugin's flags, e.g. `  --fs.roots <a,b,...>   folders to serve (default: [])`. */
export function describePluginFlags(plugin: string, flags: readonly PluginFlag[]): string[] {
  const rows = flags.map((flag) => {
    const placeholder = { string: ' <text>', number: ' <n>', boolean: ' [true|false]', enum: ` <${(flag.choices ?? []).join('|')}>`, list: ' <a,b,...>' }[flag.kind];
    const notes = [flag.description, flag.defaultValue !== undefined ? `default: ${JSON.stringify(flag.defaultValue)}` : undefined].filter((n) => n !== undefined);
    return [`${flagName(plugin, flag.key)}${placeholder}`, notes.join('; ')] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd());
}
