/*
 * The entry point of a plugin's worker thread: import the plugin, validate its
 * config, open its own session, add its modalities, run main(ctx), and tell
 * the agent how it went over the parent port.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { backoffDelay, connect, type Session } from '../client/index.js';
import { createLogger, type LogLevel, type Logger } from '../observability/logger.js';
import { defaults } from './config.js';
import { deviceAuth } from './session-auth.js';
import { importPlugin, validatePluginConfig } from './plugin-loader.js';
import type { LiveModality, PluginContext, PluginDefinition } from './plugin.js';
import { errorInfo, toWorkerSchema, workerDataSchema, type FromWorker, type WorkerData } from './worker-protocol.js';

if (parentPort === null) throw new Error('src/agent/worker.js runs only as a worker thread');
const port = parentPort;

function post(message: FromWorker): void {
  port.postMessage(message);
}

const modalityRecordSchema = z.object({ id: z.number().int() }).loose();

/** Adds the plugin's modalities on a session, again after each reconnect (with backoff while it fails). */
class ModalityBinder {
  private boundSession = 0;
  private running = false;
  private again = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Session,
    private readonly data: WorkerData,
    readonly modalities: LiveModality[],
    private readonly logger: Logger,
  ) {}

  /** First time: errors propagate (the run fails in phase 'modality'). */
  async addAll(): Promise<void> {
    for (const modality of this.modalities) {
      const result = await this.session.call('thoth.modality.add', [], {
        device: this.data.device.id, kind: modality.kind, name: modality.name, details: modality.details,
      });
      modality.id = modalityRecordSchema.parse(result.value).id;
    }
    this.boundSession = this.session.id;
  }

  /** Re-add after a reconnect or a device re-registration, if this WAMP session has not added them yet. */
  ensure(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.session.state !== 'established' || this.boundSession === this.session.id) return;
    this.running = true;
    clearTimeout(this.retryTimer);
    this.addAll().then(
      () => {
        this.failures = 0;
        this.logger.info({ modalities: this.modalities.map((m) => m.id) }, 'modalities added again');
        post({ type: 'modalities', modalities: this.modalities });
      },
      (error: unknown) => {
        this.failures += 1;
        const delay = backoffDelay(this.failures, { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5 }, Math.random);
        this.logger.warn({ err: error, retryInMs: delay }, 'could not add the modalities again');
        this.retryTimer = setTimeout(() => this.ensure(), delay);
        this.retryTimer.unref();
      },
    ).finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.ensure();
      }
    });
  }

  stop(): void {
    clearTimeout(this.retryTimer);
  }
}

function pluginLogger(data: WorkerData): Logger {
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      try {
        const record: unknown = JSON.parse(chunk.toString());
        if (typeof record === 'object' && record !== null) post({ type: 'log', record: record as Record<string, unknown> });
      } catch {
        // not a JSON line: pino only writes JSON lines
      }
      callback();
    },
  });
  return createLogger({ level: data.logLevel as LogLevel, name: `plugin:${data.name}`, destination });
}

async function run(raw: unknown): Promise<void> {
  const parsed = workerDataSchema.safeParse(raw);
  if (!parsed.success) {
    post({ type: 'ended', outcome: 'threw', phase: 'load', error: { name: 'Error', message: `bad worker data: ${parsed.error.message}` } });
    return;
  }
  const data = parsed.data;
  const logger = pluginLogger(data);
  const controller = new AbortController();
  let binder: ModalityBinder | undefined;
  port.on('message', (message: unknown) => {
    const command = toWorkerSchema.safeParse(message);
    if (!command.success) {
      logger.error({ message }, 'ignored a malformed message from the agent');
      return;
    }
    if (command.data.type === 'stop') controller.abort(new Error(`plugin ${data.name} is stopping`));
    else binder?.ensure();
  });

  let phase: 'load' | 'config' | 'connect' | 'modality' | 'main' = 'load';
  let session: Session | undefined;
  let outcome: FromWorker = { type: 'ended', outcome: 'returned', phase };
  try {
    const definition: PluginDefinition = await importPlugin(data.use, data.moduleUrl);
    phase = 'config';
    const config = validatePluginConfig(data.name, definition, data.config);
    phase = 'connect';
    if (!controller.signal.aborted) {
      session = await connect({
        url: data.router,
        realm: data.realm,
        ...(data.deviceKeyFile === undefined ? {} : deviceAuth(await readFile(data.deviceKeyFile, 'utf8'), data.device.id, undefined, data.router)),
        ...(data.tls === undefined ? {} : { tls: data.tls }),
        reconnect: { initialDelayMs: data.reconnect.initialMs, maxDelayMs: data.reconnect.maxMs },
        closeTimeoutMs: 1000,
        pingIntervalMs: defaults.pingIntervalMs,
        logger: logger.child({ component: 'session' }),
      });
    }
    if (session !== undefined && !controller.signal.aborted) {
      // A killed modality has lost its procedures for good: tell the agent, which ends this run.
      await session.subscribe('thoth.modality.on_killed', ([record]) => {
        const parsed = modalityRecordSchema.safeParse(record);
        if (parsed.success && binder?.modalities.some((m) => m.id === parsed.data.id)) {
          logger.warn({ modality: parsed.data.id }, 'the router killed this plugin\'s modality');
          post({ type: 'killed', modality: parsed.data.id });
        }
      });
      phase = 'modality';
      const modalities: LiveModality[] = definition.modalities.map((m) => ({ id: 0, kind: m.kind, name: m.name ?? data.name, details: { ...m.details } }));
      const active = new ModalityBinder(session, data, modalities, logger);
      await active.addAll();
      binder = active;
      session.on('reconnect', () => active.ensure());
      post({ type: 'ready', modalities });
      phase = 'main';
      await mkdir(data.dataDir, { recursive: true });
      const ctx: PluginContext<unknown> = {
        session, logger, config, signal: controller.signal, device: data.device, modalities, dataDir: data.dataDir,
      };
      await definition.main(ctx);
    }
    outcome = { type: 'ended', outcome: 'returned', phase };
  } catch (error) {
    logger.error({ err: error, phase }, phase === 'main' ? 'plugin main() threw' : `plugin failed to start (${phase})`);
    outcome = { type: 'ended', outcome: 'threw', phase, error: errorInfo(error) };
  } finally {
    binder?.stop();
    await session?.close().catch(() => undefined);
  }
  post(outcome);
}

void run(workerData);
