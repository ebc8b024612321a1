/** What kind of agent failure it is; stable, for code that reacts to it. */
export const AgentErrorCode = {
  /** The agent config (file, env, flags) failed validation; the message names the key. */
  invalidConfig: 'invalid_config',
  /** The device key file could not be read, parsed or written; the message names the file. */
  identity: 'identity',
  /** A plugin module could not be found, imported, or is not a plugin definition. */
  pluginLoad: 'plugin_load',
  /** A plugin's config failed its schema; the message names the plugin and the key. */
  pluginConfig: 'plugin_config',
  /** No plugin of that name is loaded (unload), or one of that name already is (load). */
  pluginName: 'plugin_name',
  /** The router refused thoth.device.register (e.g. it has no device registry). */
  registerFailed: 'register_failed',
  /** The DHT node could not start (dht config: host, port, data dir); the message says why. */
  dhtFailed: 'dht_failed',
  /** stop() was called before start() finished. */
  stopped: 'stopped',
  /** Used after stop(). */
  closed: 'closed',
} as const;

export type AgentErrorCodeValue = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

/** The one error class of the agent. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(readonly code: AgentErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
