import { backoffDelay, connect, ErrorUri, RemoteError, type ConnectOptions, type Session } from '../client/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Dict } from '../protocol/messages.js';
import { agentProcedures } from './agent-procedures.js';
import { DhtService } from './dht-service.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { defaults, resolvePluginSpec, type AgentSettings, type PluginSpec } from './config.js';
import { DeviceLink } from './device-link.js';
import { AgentError, messageOf } from './errors.js';
import { Events } from './events.js';
import { gatherFacts, type DeviceFacts, type FactSource } from './facts.js';
import { keyFingerprint, loadOrCreateIdentity, type DeviceIdentity } from './identity.js';
import { deviceAuth, usesDeviceKey } from './session-auth.js';
import { PluginHost, type LaunchContext, type PluginInstance } from './plugin-host.js';
import type { RawPluginFlag } from './plugin-flags.js';
import { preparePlugin, preparePlugins, type PreparedPlugin } from './prepare.js';
import { PluginRunner, type PluginStatus } from './runner.js';
import { agentVersion } from './version.js';
import { loadAgentTls, type AgentTls } from './tls.js';

/** idle: built. starting: start() runs. running: registered, plugins launched. stopping / stopped: stop() was called. */
export type AgentState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

const transitions: { [S in AgentState]: readonly AgentState[] } = {
  idle: ['starting', 'stopping'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** Why the agent stopped; `failed` when it was not asked to (a crash, a lost session, a failed start). */
export interface AgentStopped {
  reason: string;
  failed: boolean;
}

export interface AgentEvents {
  /** The device (and the agent modality) were registered: at start and after every reconnect. */
  registered: { device: Dict; session: number };
  /** A plugin changed state. */
  plugin: PluginStatus;
  /** The agent stopped (stop(), agent.shutdown, or a 'stop-agent' plugin ended). */
  stopped: AgentStopped;
}

export interface AgentOptions {
  settings: AgentSettings;
  /** --<plugin>.<key> flags from the command line, applied over the plugins' config. */
  pluginFlags?: readonly RawPluginFlag[];
  /** Default: silent. Plugins log through it too (each line carries `plugin`). */
  logger?: Logger;
  /** For heartbeats, connect retries and plugin restarts. Default: the real clock. */
  clock?: Clock;
  /** In [0, 1), for backoff jitter. Default Math.random. */
  random?: () => number;
  /** Default: the OS. */
  factSource?: FactSource;
  /** How a plugin run is made. Default: a worker thread (PluginHost). */
  launchPlugin?: (plugin: PreparedPlugin, context: LaunchContext) => PluginInstance;
  /** Time allowed for each connect attempt (ms). Default 5000. */
  connectTimeoutMs?: number;
}

/**
 * The device agent: identity, facts, the main session to the router (retried
 * until it connects, reconnected with backoff), the device registration with
 * heartbeats, and one runner per plugin. No process.exit, no signal handlers:
 * the CLI wires those to stop().
 */
export class Agent {
  /** Resolves once the agent has stopped, with why. */
  readonly done: Promise<AgentStopped>;
  private current: AgentState = 'idle';
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly events: Events<AgentEvents>;
  private readonly stopController = new AbortController();
  private readonly runners = new Map<string, PluginRunner>();
  private readonly prepared = new Map<PluginRunner, PreparedPlugin>();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private session: Session | undefined;
  private link: DeviceLink | undefined;
  private readonly dht: DhtService;
  private identityValue: DeviceIdentity | undefined;
  /** The router certificate check for every session (the CA file read at start). */
  private tls: AgentTls | undefined;
  private factsValue: DeviceFacts | undefined;
  /** The last pairing refusal logged (pending or revoked), so each is logged loudly once. */
  private lastRefusal: string | undefined;
  private markDone!: (value: AgentStopped) => void;

  constructor(private readonly options: AgentOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.events = new Events((error, event) => this.logger.error({ err: error, event }, 'agent event listener threw'));
    this.done = new Promise((resolve) => (this.markDone = resolve));
    this.dht = new DhtService({ settings: options.settings.dht, dataDir: options.settings.dataDir, router: options.settings.router, logger: this.logger.child({ component: 'dht' }) });
  }

  get state(): AgentState {
    return this.current;
  }

  /** The device identity, once start() has loaded it. */
  get identity(): DeviceIdentity | undefined {
    return this.identityValue;
  }

  get facts(): DeviceFacts | undefined {
    return this.factsValue;
  }

  /** The heartbeat interval in use: the configured one, else the router's answer; undefined before registering. */
  get heartbeatIntervalMs(): number | undefined {
    return this.link?.heartbeatIntervalMs;
  }

  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** The payload of the next `event` that passes `test`. */
  next<K extends keyof AgentEvents>(event: K, test?: (payload: AgentEvents[K]) => boolean): Promise<AgentEvents[K]> {
    return this.events.next(event, test);
  }

  /**
   * Load the identity, check every plugin and its config, connect (retrying
   * with backoff until the router answers or stop() is called), register the
   * device, launch the plugins. Resolves once each plugin's first run has
   * started or ended. Rejects with AgentError: 'identity', 'invalid_config',
   * 'plugin_load', 'plugin_config', 'plugin_name', 'register_failed', or
   * 'stopped' when stop() came first. Idempotent.
   */
  start(): Promise<void> {
    this.starting ??= this.run().catch(async (error: unknown) => {
      const stoppedOnPurpose = error instanceof AgentError && error.code === 'stopped';
      await this.halt(`start failed: ${messageOf(error)}`, !stoppedOnPurpose);
      throw error;
    });
    return this.starting;
  }

  /**
   * Stop: drain and stop every plugin within settings.shutdownDeadlineMs
   * (threads still running then are terminated), stop heartbeats, close the
   * session. Idempotent; also ends a start() in progress.
   */
  stop(reason = 'stopped'): Promise<void> {
    return this.halt(reason, false);
  }

  private halt(reason: string, failed: boolean): Promise<void> {
    this.stopping ??= this.shutDown(reason, failed);
    return this.stopping;
  }

  plugins(): PluginStatus[] {
    return [...this.runners.values()].map((runner) => runner.status());
  }

  /** Load and start a plugin at run time. AgentError 'plugin_name' if one of that name runs. */
  async loadPlugin(spec: PluginSpec): Promise<PluginStatus> {
    this.assertRunning();
    const plugin = await preparePlugin(resolvePluginSpec(spec));
    this.assertRunning();
    if (this.runners.has(plugin.name)) throw new AgentError('plugin_name', `a plugin named "${plugin.name}" is already loaded; unload it first or give this one another name`);
    const runner = this.addRunner(plugin);
    await runner.start();
    return runner.status();
  }

  /** Drain, stop and forget a plugin. AgentError 'plugin_name' if none has that name. */
  async unloadPlugin(name: string): Promise<void> {
    this.assertRunning();
    const runner = this.runners.get(name);
    if (runner === undefined) throw new AgentError('plugin_name', `no plugin named "${name}" is loaded (loaded: ${[...this.runners.keys()].join(', ') || 'none'})`);
    this.runners.delete(name);
    this.prepared.delete(runner);
    await runner.stop(this.options.settings.shutdownDeadlineMs);
    this.logger.info({ plugin: name }, 'plugin unloaded');
  }

  /**
   * Run a plugin again, with a new config if given (checked before the old run
   * is touched): drain, stop, start. Its thread imports the module afresh, so
   * new code on disk is picked up (its config schema is the one first loaded).
   */
  async reloadPlugin(name: string, config?: Record<string, unknown>): Promise<PluginStatus> {
    this.assertRunning();
    const runner = this.runners.get(name);
    const old = runner === undefined ? undefined : this.prepared.get(runner);
    if (runner === undefined || old === undefined) throw new AgentError('plugin_name', `no plugin named "${name}" is loaded (loaded: ${[...this.runners.keys()].join(', ') || 'none'})`);
    const plugin = await preparePlugin({ use: old.use, name, config: config ?? old.config, restart: old.restart, backoff: old.backoff });
    this.assertRunning();
    await runner.stop(this.options.settings.shutdownDeadlineMs);
    this.runners.delete(name);
    this.prepared.delete(runner);
    this.assertRunning();
    const next = this.addRunner(plugin);
    await next.start();
    this.logger.info({ plugin: name }, 'plugin reloaded');
    return next.status();
  }

  private assertRunning(): void {
    if (this.current !== 'running') throw new AgentError(this.current === 'stopping' || this.current === 'stopped' ? 'closed' : 'stopped', `the agent is ${this.current}`);
  }

  private async run(): Promise<void> {
    const { settings } = this.options;
    if (this.current !== 'idle') throw new AgentError('closed', `the agent is ${this.current}`);
    this.transition('starting');
    const identity = await loadOrCreateIdentity(settings.dataDir);
    this.identityValue = identity;
    if (identity.created) this.logger.info({ device: identity.id, keyFile: identity.keyFile }, 'made a new device identity');
    const facts = gatherFacts({ id: identity.id, name: settings.name, tags: settings.tags, agentVersion: agentVersion(), source: this.options.factSource });
    this.factsValue = facts;
    const prepared = await preparePlugins(settings.plugins, this.options.pluginFlags ?? []);
    this.checkStopped();

    this.tls = await loadAgentTls(settings.tls);
    const session = await this.connectWithRetry();
    this.session = session;
    const link = new DeviceLink({
      session,
      facts,
      procedures: [...agentProcedures(this), ...this.dht.procedures()],
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      clock: this.clock,
      logger: this.logger,
      registered: (device) => {
        for (const runner of this.runners.values()) runner.run?.deviceRegistered();
        this.events.emit('registered', { device, session: session.id });
      },
    });
    this.link = link;
    session.on('reconnect', () => {
      void link.register().catch((error: unknown) => this.logger.error({ err: error }, 'could not register the device again after reconnecting'));
    });
    session.on('disconnect', ({ reason }) => {
      if (reason === ErrorUri.deviceRevoked) this.logger.error({ device: this.identityValue?.id }, 'the router revoked this device; reconnecting in case it is approved again');
    });
    session.on('close', ({ reason }) => {
      if (this.current === 'running' || this.current === 'starting') {
        this.logger.error({ reason }, 'the session to the router ended for good');
        void this.halt(`session closed: ${reason}`, true);
      }
    });
    await this.registerFirst(link);
    this.checkStopped();
    await this.dht.start(session);
    this.checkStopped();
    for (const plugin of prepared) this.addRunner(plugin);
    this.transition('running');
    await Promise.all([...this.runners.values()].map((runner) => runner.start()));
    this.logger.info({ device: identity.id, plugins: prepared.map((p) => p.name) }, 'agent running');
  }

  /** The first registration: a refusal by the router fails start(); a lost connection waits for the reconnect's. */
  private async registerFirst(link: DeviceLink): Promise<void> {
    try {
      await link.register();
    } catch (error) {
      if (error instanceof RemoteError) {
        const hint = error.uri === ErrorUri.noSuchProcedure ? ' (does this router have the device registry?)' : '';
        throw new AgentError('register_failed', `the router at ${this.options.settings.router} refused to register this device: ${error.message}${hint}`, { cause: error });
      }
      this.logger.warn({ err: error }, 'device registration interrupted; waiting for the reconnect');
      const signal = this.stopController.signal;
      if (!signal.aborted) await Promise.race([this.events.next('registered'), new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
    }
  }

  private checkStopped(): void {
    if (this.stopController.signal.aborted) throw new AgentError('stopped', 'the agent was stopped while starting');
  }

  private async connectWithRetry(): Promise<Session> {
    const { settings } = this.options;
    const policy = { initialDelayMs: settings.reconnect.initialMs, maxDelayMs: settings.reconnect.maxMs, factor: 2, jitter: 0.5 };
    for (let attempt = 1; ; attempt += 1) {
      this.checkStopped();
      try {
        const session = await connect({
          url: settings.router,
          realm: settings.realm,
          ...this.authOptions(),
          ...(this.tls && { tls: this.tls }),
          reconnect: policy,
          random: this.random,
          connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
          closeTimeoutMs: 1000,
          pingIntervalMs: defaults.pingIntervalMs,
          logger: this.logger.child({ component: 'session' }),
        });
        if (this.stopController.signal.aborted) {
          await session.close();
          this.checkStopped();
        }
        this.logger.info({ router: settings.router, session: session.id }, 'connected to the router');
        return session;
      } catch (error) {
        if (error instanceof AgentError) throw error;
        const delayMs = backoffDelay(attempt, policy, this.random);
        if (error instanceof RemoteError && (error.uri === ErrorUri.devicePending || error.uri === ErrorUri.deviceRevoked)) {
          this.pairingRefused(error, attempt, delayMs);
          await sleep(this.clock, delayMs, this.stopController.signal);
          continue;
        }
        this.logger[attempt === 1 ? 'warn' : 'info']({ router: settings.router, err: messageOf(error), retryInMs: delayMs, attempt }, 'cannot reach the router; retrying');
        await sleep(this.clock, delayMs, this.stopController.signal);
      }
    }
  }

  /** The device key's connect options when the settings call for it (session-auth.ts), else none (anonymous). */
  private authOptions(): Partial<ConnectOptions> {
    const { settings } = this.options;
    const identity = this.identityValue;
    if (identity === undefined || !usesDeviceKey(settings.auth, settings.router)) return {};
    return deviceAuth(identity.privateKey, identity.id, settings.name, settings.router);
  }

  /** The router holds this device as pending, or revoked it: say so plainly (once per state), keep asking. */
  private pairingRefused(error: RemoteError, attempt: number, retryInMs: number): void {
    const identity = this.identityValue!;
    const fields = { device: identity.id, fingerprint: keyFingerprint(identity.publicKey), router: this.options.settings.router, retryInMs };
    const first = this.lastRefusal !== error.uri;
    this.lastRefusal = error.uri;
    const level = first ? 'warn' : 'debug';
    if (error.uri === ErrorUri.devicePending) {
      this.logger[level]({ ...fields, attempt }, `this device waits for approval: on the router's machine run \`thoth devices approve ${identity.id}\` (check the fingerprint)`);
    } else {
      this.logger[first ? 'error' : 'debug']({ ...fields, attempt }, 'the router revoked this device; it will not be let in unless approved again');
    }
  }

  private addRunner(plugin: PreparedPlugin): PluginRunner {
    const { settings } = this.options;
    const facts = this.factsValue as DeviceFacts;
    const logger = this.logger.child({ plugin: plugin.name });
    const context: LaunchContext = {
      router: settings.router,
      realm: settings.realm,
      device: { id: facts.id, name: facts.name },
      dataDir: settings.dataDir,
      logLevel: settings.logLevel,
      reconnect: settings.reconnect,
      ...(usesDeviceKey(settings.auth, settings.router) ? { deviceKeyFile: this.identityValue!.keyFile } : {}),
      ...(this.tls && { tls: this.tls }),
      logger,
      clock: this.clock,
      stopDeadlineMs: settings.shutdownDeadlineMs,
    };
    const launch = this.options.launchPlugin ?? ((p: PreparedPlugin, c: LaunchContext) => new PluginHost({ plugin: p, ...c }));
    const runner = new PluginRunner({
      plugin,
      launch: () => launch(plugin, context),
      drain: (ids, deadlineMs) => this.drain(ids, deadlineMs, logger),
      stopAgent: (reason, failed) => void this.halt(reason, failed),
      changed: (status) => this.events.emit('plugin', status),
      clock: this.clock,
      random: this.random,
      logger,
    });
    this.runners.set(plugin.name, runner);
    this.prepared.set(runner, plugin);
    return runner;
  }

  /** thoth.drain each modality; a router without it, or a lost session, is logged and skipped. */
  private async drain(ids: number[], deadlineMs: number, logger: Logger): Promise<void> {
    const session = this.session;
    if (session === undefined || session.state !== 'established') {
      logger.info('not connected; stopping the plugin without draining');
      return;
    }
    await Promise.all(ids.map(async (id) => {
      try {
        const result = await session.call('thoth.drain', [], { modality: id, deadline_ms: deadlineMs }, { timeoutMs: deadlineMs + 1000 });
        logger.debug({ modality: id, result: result.value }, 'modality drained');
      } catch (error) {
        logger[error instanceof RemoteError && error.uri === ErrorUri.noSuchProcedure ? 'info' : 'warn']({ modality: id, err: messageOf(error) }, 'could not drain the modality; stopping it anyway');
      }
    }));
  }

  private async shutDown(reason: string, failed: boolean): Promise<void> {
    const wasRunning = this.current === 'running';
    this.transition('stopping');
    this.stopController.abort(new AgentError('stopped', 'the agent was stopped'));
    this.logger.info({ reason }, 'agent stopping');
    const deadlineMs = this.options.settings.shutdownDeadlineMs;
    await Promise.all([...this.runners.values()].map((runner) => runner.stop(deadlineMs)));
    await this.dht.stop();
    this.link?.close();
    await this.session?.close().catch(() => undefined);
    this.transition('stopped');
    this.logger.info({ reason, failed, wasRunning }, 'agent stopped');
    this.events.emit('stopped', { reason, failed });
    this.markDone({ reason, failed });
  }

  private transition(next: AgentState): void {
    if (!transitions[this.current].includes(next)) throw new Error(`thoth agent bug: agent state ${this.current} -> ${next}`);
    this.current = next;
  }
}
