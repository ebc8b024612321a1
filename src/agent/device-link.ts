import { z } from 'zod';
import { ErrorUri, RemoteError, type InvocationHandler, type Registration, type Session } from '../client/index.js';
import type { Logger } from '../observability/logger.js';
import type { Dict } from '../protocol/messages.js';
import type { Clock } from './clock.js';
import { defaults } from './config.js';
import type { DeviceFacts } from './facts.js';

/** A procedure the agent provides on its own session (device-targetable: shared, round robin). */
export interface AgentProcedure {
  uri: string;
  handler: InvocationHandler;
}

export interface DeviceLinkOptions {
  session: Session;
  facts: DeviceFacts;
  procedures: readonly AgentProcedure[];
  /** Unset: what the router answers to a heartbeat, else 5000. */
  heartbeatIntervalMs: number | undefined;
  clock: Clock;
  logger: Logger;
  /** After each successful (re)registration. */
  registered: (device: Dict) => void;
}

const heartbeatAnswer = z.object({ interval_ms: z.number().int().positive() }).loose();
const modalityRecord = z.object({ id: z.number().int() }).loose();

/**
 * The agent's side of the device registry over its main session: register the
 * device and the 'agent' modality (again after every reconnect), provide the
 * agent procedures tied to that modality, send heartbeats.
 */
export class DeviceLink {
  private registrations: Registration[] = [];
  private registering: Promise<Dict> | undefined;
  private again = false;
  private heartbeatTimer: unknown;
  private heartbeatMs: number;
  private closed = false;
  private missingHeartbeat = false;
  /** The agent modality's id in the router (changes on re-registration). */
  modalityId = 0;

  constructor(private readonly options: DeviceLinkOptions) {
    this.heartbeatMs = options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs;
  }

  get heartbeatIntervalMs(): number {
    return this.heartbeatMs;
  }

  /**
   * Register (or register again). Concurrent calls share one run, and a call
   * made while one runs starts another after it, so the last state wins.
   */
  register(): Promise<Dict> {
    if (this.registering !== undefined) {
      this.again = true;
      return this.registering;
    }
    const run = this.registerOnce().finally(() => {
      this.registering = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.register().catch((error: unknown) => this.options.logger.warn({ err: error }, 'device re-registration failed'));
      }
    });
    this.registering = run;
    return run;
  }

  /** Stop heartbeats; the session itself is the agent's to close. */
  close(): void {
    this.closed = true;
    if (this.heartbeatTimer !== undefined) this.options.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async registerOnce(): Promise<Dict> {
    const { session, facts, logger } = this.options;
    const device = await session.call('thoth.device.register', [], { ...facts });
    const record = (device.value ?? {}) as Dict;
    const modality = await session.call('thoth.modality.add', [], {
      device: facts.id, kind: 'agent', name: 'agent', details: { version: facts.agent_version },
    });
    this.modalityId = modalityRecord.parse(modality.value).id;
    // Registrations the SDK restored after a reconnect were made before this
    // session had its modality: make them again so they are tied to it.
    const old = this.registrations;
    this.registrations = [];
    await Promise.all(old.map((r) => r.unregister().catch(() => undefined)));
    for (const { uri, handler } of this.options.procedures) {
      this.registrations.push(await session.register(uri, handler, { invoke: 'roundrobin' }));
    }
    logger.info({ device: facts.id, name: facts.name, session: session.id, modality: this.modalityId }, 'device registered');
    await this.heartbeat(false);
    this.options.registered(record);
    return record;
  }

  /** `mayRegister`: a refusal makes the device register again (not for the beat that ends a registration, or it could loop). */
  private async heartbeat(mayRegister: boolean): Promise<void> {
    if (this.closed) return;
    if (this.heartbeatTimer !== undefined) this.options.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const { session, logger } = this.options;
    if (session.state === 'established') {
      try {
        const answer = await session.call('thoth.device.heartbeat', [], {}, { timeoutMs: this.heartbeatMs });
        const parsed = heartbeatAnswer.safeParse(answer.value);
        if (parsed.success && this.options.heartbeatIntervalMs === undefined) this.heartbeatMs = parsed.data.interval_ms;
      } catch (error) {
        if (error instanceof RemoteError && (error.uri === ErrorUri.noSuchDevice || error.uri === ErrorUri.deviceOffline)) {
          if (mayRegister) {
            logger.warn({ uri: error.uri }, 'the router does not know this device as online; registering again');
            void this.register().catch((e: unknown) => logger.warn({ err: e }, 'device re-registration failed'));
          } else {
            logger.warn({ uri: error.uri }, 'the router refused the first heartbeat after registering');
          }
        } else if (error instanceof RemoteError && error.uri === ErrorUri.noSuchProcedure) {
          if (!this.missingHeartbeat) logger.warn('the router has no thoth.device.heartbeat; heartbeats are skipped');
          this.missingHeartbeat = true;
        } else {
          logger.debug({ err: error }, 'heartbeat failed');
        }
      }
    }
    if (this.closed || this.heartbeatTimer !== undefined) return;
    this.heartbeatTimer = this.options.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      void this.heartbeat(true);
    }, this.heartbeatMs);
  }
}
