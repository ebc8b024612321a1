import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';
import type { Clock } from './clock.js';
import { messageOf } from './errors.js';
import type { LiveModality } from './plugin.js';
import type { PreparedPlugin } from './prepare.js';
import type { AgentTls } from './tls.js';
import { errorInfo, fromWorkerSchema, type ErrorInfo, type ToWorker, type WorkerData, type endPhases } from './worker-protocol.js';

/**
 * How one run of a plugin ended. returned: main() returned on its own.
 * crashed: it threw, a step before main failed, or its thread died.
 * stopped: the agent stopped it; `forced` when the thread had to be
 * terminated after the deadline. killed: the router killed one of its
 * modalities (its procedures are gone), so the agent stopped it.
 */
export type PluginEnd =
  | { kind: 'returned' }
  | { kind: 'crashed'; phase: (typeof endPhases)[number] | 'thread'; error: ErrorInfo }
  | { kind: 'stopped'; forced: boolean }
  | { kind: 'killed'; modality: number };

/** One run of a plugin. The runner sees only this, so its tests can fake it. */
export interface PluginInstance {
  /** Resolves once main() runs (the modalities are added) or the run ended first; never rejects. */
  readonly started: Promise<void>;
  /** Resolves once the run is over and its thread has exited; never rejects. */
  readonly ended: Promise<PluginEnd>;
  /** The live modalities (router ids), empty before 'ready'. */
  readonly modalities: readonly LiveModality[];
  /** Abort the plugin, wait up to `deadlineMs` for it to finish, then terminate its thread. */
  stop(deadlineMs: number): Promise<PluginEnd>;
  /** The device was registered again: the plugin re-adds its modalities if its session has not. */
  deviceRegistered(): void;
}

/** What a plugin run needs besides the plugin; handed to the agent's `launchPlugin`. */
export interface LaunchContext {
  router: string;
  realm: string;
  device: { id: string; name: string };
  /** The agent's data dir; the plugin gets <dataDir>/plugins/<name>. */
  dataDir: string;
  logLevel: string;
  reconnect: { initialMs: number; maxMs: number };
  /** Set when sessions join with the device key: the key file the plugin's session signs with. */
  deviceKeyFile?: string;
  /** How the plugin's session checks the router's certificate (wss://, tls://). */
  tls?: AgentTls;
  logger: Logger;
  clock: Clock;
  /** Time a killed plugin gets to stop before its thread is terminated. */
  stopDeadlineMs: number;
}

export interface PluginHostOptions extends LaunchContext {
  plugin: PreparedPlugin;
  /** Default: the compiled src/agent/worker.js. */
  workerUrl?: URL;
}

const pinoLabels: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal',
};

/** Runs one plugin in its own worker thread. */
export class PluginHost implements PluginInstance {
  readonly started: Promise<void>;
  readonly ended: Promise<PluginEnd>;
  private current: LiveModality[] = [];
  private readonly worker: Worker;
  private outcome: PluginEnd | undefined;
  private stopRequested = false;
  private forced = false;
  private killed: number | undefined;
  private markStarted!: () => void;
  private stopping: Promise<PluginEnd> | undefined;

  constructor(private readonly options: PluginHostOptions) {
    const { plugin } = options;
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    const data: WorkerData = {
      moduleUrl: plugin.moduleUrl,
      use: plugin.use,
      name: plugin.name,
      config: plugin.config,
      router: options.router,
      realm: options.realm,
      device: options.device,
      dataDir: join(options.dataDir, 'plugins', plugin.name),
      logLevel: options.logLevel,
      reconnect: options.reconnect,
      ...(options.deviceKeyFile === undefined ? {} : { deviceKeyFile: options.deviceKeyFile }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    };
    this.worker = new Worker(options.workerUrl ?? new URL('./worker.js', import.meta.url), { workerData: data, name: `thoth plugin ${plugin.name}` });
    this.ended = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.settle(this.killed !== undefined ? { kind: 'killed', modality: this.killed } : this.forced ? { kind: 'stopped', forced: true } : this.stopRequested
          ? { kind: 'stopped', forced: false }
          : { kind: 'crashed', phase: 'thread', error: { name: 'Error', message: `the plugin's thread exited with code ${code}` } });
        this.markStarted();
        resolve(this.outcome as PluginEnd);
      });
    });
    this.worker.on('message', (message: unknown) => this.receive(message));
    this.worker.on('error', (error) => {
      options.logger.error({ err: error }, 'plugin thread failed');
      this.settle({ kind: 'crashed', phase: 'thread', error: errorInfo(error) });
    });
    this.worker.on('messageerror', (error) => options.logger.error({ err: error }, 'a message from the plugin thread could not be read'));
  }

  get modalities(): readonly LiveModality[] {
    return this.current;
  }

  stop(deadlineMs: number): Promise<PluginEnd> {
    this.stopping ??= this.stopWithin(deadlineMs);
    return this.stopping;
  }

  deviceRegistered(): void {
    this.send({ type: 'device-registered' });
  }

  private async stopWithin(deadlineMs: number): Promise<PluginEnd> {
    if (this.outcome === undefined) this.stopRequested = true;
    this.send({ type: 'stop' });
    const { clock } = this.options;
    const timer = clock.setTimeout(() => {
      if (this.outcome !== undefined && this.outcome.kind !== 'stopped') return;
      this.forced = true;
      this.options.logger.warn({ deadlineMs }, 'plugin did not stop in time; terminating its thread');
      void this.worker.terminate();
    }, deadlineMs);
    try {
      return await this.ended;
    } finally {
      clock.clearTimeout(timer);
    }
  }

  private send(message: ToWorker): void {
    try {
      this.worker.postMessage(message);
    } catch (error) {
      this.options.logger.debug({ err: error }, 'could not post to the plugin thread');
    }
  }

  /** The first outcome wins; later signals (the exit after an 'ended' message) only confirm it. */
  private settle(outcome: PluginEnd): void {
    this.outcome ??= outcome;
  }

  private receive(raw: unknown): void {
    const parsed = fromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.error({ issue: messageOf(parsed.error) }, 'malformed message from the plugin thread; terminating it');
      this.settle({ kind: 'crashed', phase: 'thread', error: { name: 'Error', message: 'the plugin thread sent a malformed message' } });
      void this.worker.terminate();
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'log':
        this.log(message.record);
        return;
      case 'ready':
        this.current = message.modalities;
        this.markStarted();
        return;
      case 'modalities':
        this.current = message.modalities;
        return;
      case 'killed':
        if (this.stopRequested) return;
        this.killed = message.modality;
        void this.stop(this.options.stopDeadlineMs);
        return;
      case 'ended':
        if (this.killed !== undefined) this.settle({ kind: 'killed', modality: this.killed });
        else if (this.stopRequested) this.settle({ kind: 'stopped', forced: false });
        else if (message.outcome === 'returned') this.settle({ kind: 'returned' });
        else this.settle({ kind: 'crashed', phase: message.phase, error: message.error ?? { name: 'Error', message: 'unknown failure' } });
        this.current = [];
        // The worker has closed its session and has nothing left to do; its own timers must not keep it.
        void this.worker.terminate();
    }
  }

  private log(record: Record<string, unknown>): void {
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, ...fields } = record;
    const label = typeof level === 'number' ? pinoLabels[level] ?? 'info' : 'info';
    this.options.logger[label](fields, typeof msg === 'string' ? msg : '');
  }
}
