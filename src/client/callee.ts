import { ErrorUri } from '../protocol/error-uris.js';
import { MessageCode, type Dict, type MessageOf } from '../protocol/messages.js';
import type { MatchPolicy } from '../protocol/uri.js';
import { assertUri, ClientError, RemoteError, sendFailed } from './errors.js';
import { runInvocation, type InvocationHandler, type RunningInvocation } from './invocation.js';
import { EntryWith, PendingRequests } from './pending.js';
import type { RoleContext } from './role-context.js';

/** How the router picks among several registrations of one procedure (shared registration). */
export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

/** Options of {@link Session.register}. */
export interface RegisterOptions {
  /** Pattern-based registration. Default 'exact'. */
  match?: MatchPolicy;
  /** Shared registration policy. Default: the router's ('single'). */
  invoke?: InvokePolicy;
  /** Log one line per invocation of this registration (overrides the session's logCalls). */
  logCalls?: boolean;
}

/** @internal The state behind a Registration. */
export interface RegistrationRecord {
  procedure: string;
  handler: InvocationHandler;
  options: RegisterOptions;
  /** The router's id; changes after a reconnect. 0 before the first REGISTERED. */
  id: number;
  active: boolean;
}

/**
 * A procedure this session provides. Stays valid across reconnects (the SDK
 * registers it again; `id` changes) until unregister() or close().
 */
export class Registration {
  /** @internal */
  constructor(private readonly record: RegistrationRecord, private readonly remove: (record: RegistrationRecord) => Promise<void>) {}

  /** The router's registration id (a new one after each reconnect). */
  get id(): number {
    return this.record.id;
  }

  /** The procedure URI or pattern registered. */
  get procedure(): string {
    return this.record.procedure;
  }

  /** False after unregister(), close(), or a revocation by the router. */
  get active(): boolean {
    return this.record.active;
  }

  /** Stop providing the procedure. Calling it again does nothing. Rejects after close(). */
  unregister(): Promise<void> {
    return this.remove(this.record);
  }
}

/** A registration the SDK could not restore after a reconnect. */
export interface RestoreFailure {
  uri: string;
  error: Error;
}

/** The callee role: REGISTER, UNREGISTER out; INVOCATION, INTERRUPT in; YIELD, ERROR out. */
export class Callee {
  /** Registrations to keep (and restore after reconnect). */
  private readonly records = new Set<RegistrationRecord>();
  /** Registrations the router currently knows, by id. */
  private readonly byId = new Map<number, RegistrationRecord>();
  private readonly running = new Map<number, RunningInvocation>();
  private readonly registering: PendingRequests<number, EntryWith<number, RegistrationRecord>>;
  private readonly unregistering: PendingRequests<void, EntryWith<void, RegistrationRecord>>;

  constructor(private readonly ctx: RoleContext) {
    const common = { clock: ctx.clock, nextId: () => ctx.nextId() };
    this.registering = new PendingRequests(common);
    this.unregistering = new PendingRequests(common);
  }

  async register(procedure: string, handler: InvocationHandler, options: RegisterOptions = {}): Promise<Registration> {
    this.ctx.assertOpen();
    assertUri('procedure', procedure, options.match ?? 'exact');
    const record: RegistrationRecord = { procedure, handler, options, id: 0, active: false };
    await this.sendRegister(record);
    record.active = true;
    this.records.add(record);
    return new Registration(record, (r) => this.unregister(r));
  }

  /** Register every kept registration again on a new connection. */
  async restore(): Promise<RestoreFailure[]> {
    const failures: RestoreFailure[] = [];
    await Promise.all([...this.records].map(async (record) => {
      try {
        await this.sendRegister(record);
      } catch (error) {
        if (error instanceof ClientError && (error.code === 'disconnected' || error.code === 'closed')) return;
        record.active = false;
        this.records.delete(record);
        failures.push({ uri: record.procedure, error: error as Error });
      }
    }));
    return failures;
  }

  onRegistered(message: MessageOf<'REGISTERED'>): void {
    const record = this.registering.get(message.requestId)?.meta;
    if (record === undefined) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'REGISTERED for no pending REGISTER; ignored');
      return;
    }
    record.id = message.registrationId;
    this.byId.set(message.registrationId, record);
    this.registering.resolve(message.requestId, message.registrationId);
  }

  onUnregistered(message: MessageOf<'UNREGISTERED'>): void {
    if (message.requestId === 0) {
      this.revoked(message.details ?? {});
      return;
    }
    const record = this.unregistering.get(message.requestId)?.meta;
    if (record === undefined) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'UNREGISTERED for no pending UNREGISTER; ignored');
      return;
    }
    this.byId.delete(record.id);
    this.unregistering.resolve(message.requestId, undefined);
  }

  /** ERROR answering REGISTER or UNREGISTER. */
  onError(message: MessageOf<'ERROR'>): void {
    const error = new RemoteError(message.error, message.args ?? [], message.kwargs ?? {}, message.details);
    const pending = this.registering.has(message.requestId) ? this.registering : this.unregistering;
    if (!pending.reject(message.requestId, error)) {
      this.ctx.logger.debug({ requestId: message.requestId, error: message.error }, 'ERROR for no pending (UN)REGISTER; ignored');
    }
  }

  onInvocation(message: MessageOf<'INVOCATION'>): void {
    const record = this.byId.get(message.registrationId);
    if (record === undefined) {
      this.ctx.logger.debug({ registrationId: message.registrationId }, 'INVOCATION for an unknown registration');
      this.ctx.send({
        type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: message.requestId, details: {},
        error: ErrorUri.noSuchRegistration, args: [`no registration ${message.registrationId} in this session`],
      });
      return;
    }
    if (this.running.has(message.requestId)) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'INVOCATION with a request id already running; ignored');
      return;
    }
    runInvocation(this.ctx, record, message, this.running);
  }

  onInterrupt(message: MessageOf<'INTERRUPT'>): void {
    const run = this.running.get(message.requestId);
    if (run === undefined) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'INTERRUPT for no running invocation; ignored');
      return;
    }
    run.interrupt(message.options);
  }

  /** The connection dropped: ids are void, running handlers are aborted, nothing is answered. */
  disconnected(error: Error): void {
    this.registering.rejectAll(error);
    this.unregistering.resolveAll(undefined);
    this.byId.clear();
    for (const run of [...this.running.values()]) run.drop(error);
  }

  /** close(): like a disconnect, and every registration ends. */
  closed(error: Error): void {
    this.disconnected(error);
    for (const record of this.records) record.active = false;
    this.records.clear();
  }

  private async sendRegister(record: RegistrationRecord): Promise<void> {
    const options: Dict = {};
    if (record.options.match !== undefined && record.options.match !== 'exact') options['match'] = record.options.match;
    if (record.options.invoke !== undefined) options['invoke'] = record.options.invoke;
    const entry = new EntryWith<number, RegistrationRecord>(record);
    const promise = this.registering.open(entry);
    if (!this.ctx.send({ type: 'REGISTER', requestId: entry.id, options, procedure: record.procedure })) {
      this.registering.reject(entry.id, sendFailed(`REGISTER ${record.procedure}`));
    }
    await promise;
  }

  private async unregister(record: RegistrationRecord): Promise<void> {
    if (this.ctx.isClosed()) throw new ClientError('closed', `cannot unregister ${record.procedure}: the session is closed`);
    if (!record.active) return;
    record.active = false;
    this.records.delete(record);
    if (this.byId.get(record.id) !== record) return;
    try {
      this.ctx.assertOpen();
    } catch {
      return; // reconnecting: it simply is not registered again
    }
    const entry = new EntryWith<void, RegistrationRecord>(record);
    const promise = this.unregistering.open(entry);
    if (!this.ctx.send({ type: 'UNREGISTER', requestId: entry.id, registrationId: record.id })) {
      this.unregistering.reject(entry.id, sendFailed(`UNREGISTER ${record.procedure}`));
    }
    await promise;
  }

  private revoked(details: Dict): void {
    const registrationId = details['registration'];
    const record = typeof registrationId === 'number' ? this.byId.get(registrationId) : undefined;
    if (record === undefined) {
      this.ctx.logger.debug({ details }, 'router revoked an unknown registration; ignored');
      return;
    }
    this.ctx.logger.warn({ procedure: record.procedure, reason: details['reason'] }, 'the router revoked a registration');
    this.byId.delete(record.id);
    record.active = false;
    this.records.delete(record);
  }
}
