import { backoffDelay } from '../client/index.js';
import type { Logger } from '../observability/logger.js';
import type { Clock } from './clock.js';
import type { RestartPolicy } from './config.js';
import type { PluginEnd, PluginInstance } from './plugin-host.js';
import type { LiveModality } from './plugin.js';

/**
 * idle: not started. starting: a run was launched, main() not yet running. running: main() runs.
 * waiting: the run ended; a restart is due after a backoff delay. ended: the
 * run ended and the policy says no restart. stopping / stopped: stop() was called.
 */
export type RunnerState = 'idle' | 'starting' | 'running' | 'waiting' | 'ended' | 'stopping' | 'stopped';

const transitions: { [S in RunnerState]: readonly RunnerState[] } = {
  idle: ['starting', 'stopping'],
  starting: ['running', 'waiting', 'ended', 'stopping'],
  running: ['waiting', 'ended', 'stopping'],
  waiting: ['starting', 'stopping'],
  ended: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** A plugin's state as `agent.plugins.list` reports it (JSON). */
export interface PluginStatus {
  name: string;
  use: string;
  state: RunnerState;
  restart: RestartPolicy;
  /** Runs launched after the first one. */
  restarts: number;
  modalities: LiveModality[];
  /** How the last run ended, if one did. */
  lastEnd: PluginEnd | undefined;
}

export interface RunnerOptions {
  plugin: { name: string; use: string; restart: RestartPolicy; backoff: { initialMs: number; maxMs: number } };
  /** Start one run of the plugin (a worker thread, in production). */
  launch: () => PluginInstance;
  /** Ask the router to drain these modalities, within `deadlineMs`; must not throw. */
  drain: (modalityIds: number[], deadlineMs: number) => Promise<void>;
  /** The 'stop-agent' policy fired; `failed` when the run crashed. */
  stopAgent: (reason: string, failed: boolean) => void;
  /** Every state change. */
  changed?: (status: PluginStatus) => void;
  clock: Clock;
  /** In [0, 1), for backoff jitter. */
  random: () => number;
  logger: Logger;
}

/** Share of backoff delays that is random. */
export const backoffJitter = 0.5;

/**
 * Supervises one plugin: launches runs, applies the restart policy when one
 * ends (a killed modality counts as a failure, like a crash; exponential backoff with jitter; the count resets after a run that
 * lasted at least backoff.maxMs), and stops it — drain first, then abort.
 */
export class PluginRunner {
  private current: RunnerState = 'idle';
  private instance: PluginInstance | undefined;
  private startedAt = 0;
  private failures = 0;
  private restarts = 0;
  private lastEnd: PluginEnd | undefined;
  private timer: unknown;
  private stopping: Promise<void> | undefined;
  private first: Promise<void> | undefined;

  constructor(private readonly options: RunnerOptions) {}

  get name(): string {
    return this.options.plugin.name;
  }

  get state(): RunnerState {
    return this.current;
  }

  /** The current run, if any (for tests and for re-registration notices). */
  get run(): PluginInstance | undefined {
    return this.instance;
  }

  status(): PluginStatus {
    const { name, use, restart } = this.options.plugin;
    return { name, use, state: this.current, restart, restarts: this.restarts, modalities: [...(this.instance?.modalities ?? [])], lastEnd: this.lastEnd };
  }

  /** Launch the first run; resolves once main() runs or the run ended. */
  start(): Promise<void> {
    this.first ??= this.current === 'idle' ? this.launch().started : Promise.resolve();
    return this.first;
  }

  /**
   * Stop for good: cancel a pending restart, drain the modalities (at most half
   * of `deadlineMs`), then stop the run within what is left of it. Idempotent.
   */
  stop(deadlineMs: number): Promise<void> {
    this.stopping ??= this.shutDown(deadlineMs);
    return this.stopping;
  }

  private async shutDown(deadlineMs: number): Promise<void> {
    const { clock } = this.options;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.transition('stopping');
    const instance = this.instance;
    if (instance !== undefined) {
      const began = clock.now();
      const ids = instance.modalities.map((m) => m.id);
      if (ids.length > 0) await this.within(this.options.drain(ids, Math.floor(deadlineMs / 2)), Math.floor(deadlineMs / 2));
      const end = await instance.stop(Math.max(0, deadlineMs - (clock.now() - began)));
      this.lastEnd = end;
      this.instance = undefined;
    }
    this.transition('stopped');
  }

  private launch(): PluginInstance {
    const instance = this.options.launch();
    this.instance = instance;
    this.startedAt = this.options.clock.now();
    this.transition('starting');
    void instance.started.then(() => {
      if (this.instance === instance && this.current === 'starting') this.transition('running');
    });
    void instance.ended.then((end) => this.ended(instance, end));
    return instance;
  }

  private ended(instance: PluginInstance, end: PluginEnd): void {
    if (this.instance !== instance || this.current === 'stopping' || this.current === 'stopped') return;
    this.instance = undefined;
    this.lastEnd = end;
    const { plugin, logger, clock } = this.options;
    const ranMs = clock.now() - this.startedAt;
    if (ranMs >= plugin.backoff.maxMs) this.failures = 0;
    const failed = end.kind === 'crashed' || end.kind === 'killed';
    const restart = plugin.restart === 'always' || (plugin.restart === 'on-failure' && failed);
    const detail = end.kind === 'crashed' ? { phase: end.phase, error: end.error.message } : end.kind === 'killed' ? { modality: end.modality } : {};
    if (plugin.restart === 'stop-agent') {
      logger.warn({ end: end.kind, ...detail }, 'plugin ended; its policy stops the agent');
      this.transition('ended');
      this.options.stopAgent(`plugin ${plugin.name} ${end.kind}`, failed);
      return;
    }
    if (!restart) {
      logger[failed ? 'error' : 'info']({ end: end.kind, policy: plugin.restart, ...detail }, 'plugin ended; not restarting it');
      this.transition('ended');
      return;
    }
    this.failures += 1;
    const delayMs = backoffDelay(this.failures, { initialDelayMs: plugin.backoff.initialMs, maxDelayMs: plugin.backoff.maxMs, factor: 2, jitter: backoffJitter }, this.options.random);
    logger[failed ? 'error' : 'info']({ end: end.kind, ...detail, restartInMs: delayMs }, 'plugin ended; restarting it');
    this.transition('waiting');
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      if (this.current !== 'waiting') return;
      this.restarts += 1;
      this.launch();
    }, delayMs);
  }

  private async within(promise: Promise<void>, ms: number): Promise<void> {
    let timer: unknown;
    await Promise.race([promise, new Promise<void>((resolve) => (timer = this.options.clock.setTimeout(resolve, ms)))]);
    this.options.clock.clearTimeout(timer);
  }

  private transition(next: RunnerState): void {
    if (!transitions[this.current].includes(next)) throw new Error(`thoth agent bug: plugin runner state ${this.current} -> ${next}`);
    this.current = next;
    this.options.changed?.(this.status());
  }
}
