import { z } from 'zod';
import { isLoopbackAddress } from '../transport/address.js';
import { AgentError } from './errors.js';

/**
 * The agent config's `dht` key: whether the agent runs a DHT node and where it listens.
 * Default: enabled when the router is on this machine (loopback or a Unix socket), with the
 * node on 127.0.0.1; otherwise disabled. The overlay has no peer authentication yet, so a
 * node reachable from the network is something the owner turns on knowingly (docs/dht.md).
 */
export const dhtConfigSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** The address the node listens on; 0.0.0.0 or :: (every interface) advertise the address the router sees. */
  host: z.string().min(1).optional(),
  /** 0: any free port. */
  port: z.number().int().min(0).max(65535).optional(),
  /** Cap of the node's local storage (<dataDir>/dht/store.db) in bytes. */
  maxBytes: z.number().int().positive().optional(),
});
export type DhtConfig = z.infer<typeof dhtConfigSchema>;

export interface DhtSettings {
  enabled: boolean;
  host: string;
  port: number;
  maxBytes: number;
}

export const dhtDefaults = { host: '127.0.0.1', port: 0, maxBytes: 64 * 1024 * 1024 } as const;

/** Whether `router` (a URL) is on this machine: a Unix socket, localhost or a loopback address. */
export function isLocalRouter(router: string): boolean {
  const url = new URL(router);
  if (url.protocol === 'unix:') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || isLoopbackAddress(host);
}

/** Merge the layers' `dht` keys key by key (later wins), then fill in the defaults. */
export function resolveDhtSettings(layers: readonly (DhtConfig | undefined)[], router: string): DhtSettings {
  const merged: DhtConfig = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return {
    enabled: merged.enabled ?? isLocalRouter(router),
    host: merged.host ?? dhtDefaults.host,
    port: merged.port ?? dhtDefaults.port,
    maxBytes: merged.maxBytes ?? dhtDefaults.maxBytes,
  };
}

const booleanWords: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false, on: true, off: false };

/** The `dht` part of the config set by THOTH_DHT (true/false), THOTH_DHT_HOST and THOTH_DHT_PORT; each named in its error. */
export function dhtConfigFromEnv(env: NodeJS.ProcessEnv): DhtConfig | undefined {
  const config: DhtConfig = {};
  const enabled = env['THOTH_DHT'];
  if (enabled !== undefined && enabled !== '') {
    const value = booleanWords[enabled.toLowerCase()];
    if (value === undefined) throw new AgentError('invalid_config', `environment variable THOTH_DHT: expected true or false, got "${enabled}"`);
    config.enabled = value;
  }
  const host = env['THOTH_DHT_HOST'];
  if (host !== undefined && host !== '') config.host = host;
  const port = env['THOTH_DHT_PORT'];
  if (port !== undefined && port !== '') {
    const value = Number(port);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new AgentError('invalid_config', `environment variable THOTH_DHT_PORT: expected a port number 0..65535, got "${port}"`);
    config.port = value;
  }
  return Object.keys(config).length === 0 ? undefined : config;
}
