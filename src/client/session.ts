import type { z } from 'zod';
import { ErrorUri } from '../protocol/error-uris.js';
import { RequestIds } from '../protocol/ids.js';
import { MessageCode, type Args, type Dict, type Kwargs, type MessageOf } from '../protocol/messages.js';
import type { Connection } from '../transport/connection.js';
import { connectTransport, TransportError } from '../transport/index.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { Callee, type Registration, type RegisterOptions, type RestoreFailure } from './callee.js';
import { Caller, type CallOptions } from './caller.js';
import { Emitter } from './emitter.js';
import { ClientError, RemoteError, messageOf } from './errors.js';
import { helloDetails } from './features.js';
import type { InvocationHandler } from './invocation.js';
import { Link, type LinkEnd, type SessionMessage, type SessionMessageType } from './link.js';
import { resolveOptions, type ConnectOptions, type ResolvedOptions, type TransportConnectOptions } from './options.js';
import { Publisher, type Publication, type PublishOptions } from './publisher.js';
import type { CallResult } from './result.js';
import type { RoleContext } from './role-context.js';
import { invokeTyped, typedHandler, type InputSchema, type Procedure, type ProcedureHandler } from './service.js';
import { Subscriber, type EventHandler, type SubscribeOptions, type Subscription } from './subscriber.js';

/**
 * connecting: the first connect() is running. established: a WAMP session is
 * up. reconnecting: the connection dropped; waiting or trying to reconnect.
 * closing: close() is saying GOODBYE. closed: for good.
 */
export type SessionState = 'connecting' | 'established' | 'reconnecting' | 'closing' | 'closed';

const transitions: { [S in SessionState]: readonly SessionState[] } = {
  connecting: ['established', 'closed'],
  established: ['reconnecting', 'closing', 'closed'],
  reconnecting: ['established', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** The events of a Session, each with one payload object. */
export interface SessionEvents {
  /** The connection dropped without close(). Pending requests have already failed with 'disconnected'. */
  disconnect: { reason: string; by: LinkEnd['by']; willReconnect: boolean; error: Error | undefined };
  /** A reconnect attempt is scheduled after `delayMs`. */
  reconnecting: { attempt: number; delayMs: number; lastError: Error | undefined };
  /** Reconnected: a new WAMP session, registrations and subscriptions restored. */
  reconnect: { sessionId: number; attempts: number };
  /** A registration or subscription could not be restored after a reconnect; it is now inactive. */
  restoreFailed: { kind: 'registration' | 'subscription'; uri: string; error: Error };
  /** The session ended for good: close(), a drop with reconnect off, or reconnect gave up. Emitted once. */
  close: { reason: string; error: Error | undefined };
}

/**
 * A WAMP client session with thoth's conveniences: call, register, publish,
 * subscribe, typed procedures, automatic reconnect. Made by {@link connect}.
 */
export class Session {
  private current: SessionState = 'connecting';
  private link: Link | undefined;
  private ids = new RequestIds();
  private sessionId = 0;
  private welcomeDetails: Dict = {};
  private readonly emitter: Emitter<SessionEvents>;
  private readonly caller: Caller;
  private readonly callee: Callee;
  private readonly publisher: Publisher;
  private readonly subscriber: Subscriber;
  private readonly dispatch: { [K in SessionMessageType]: (message: MessageOf<K>) => void };
  private reconnectAttempts = 0;
  private reconnectTimer: unknown;
  private lastError: Error | undefined;
  private attemptController: AbortController | undefined;
  private closing: Promise<void> | undefined;

  /** @internal Use {@link connect}. */
  constructor(private readonly options: ResolvedOptions) {
    this.emitter = new Emitter<SessionEvents>(options.logger);
    const ctx: RoleContext = {
      logger: options.logger,
      clock: options.clock,
      logCalls: options.logCalls,
      callTimeoutMs: options.callTimeoutMs,
      assertOpen: () => this.assertOpen(),
      isClosed: () => this.current === 'closing' || this.current === 'closed',
      nextId: () => this.ids.next(),
      send: (message) => this.link?.send(message) ?? false,
    };
    this.caller = new Caller(ctx);
    this.callee = new Callee(ctx);
    this.publisher = new Publisher(ctx);
    this.subscriber = new Subscriber(ctx);
    this.dispatch = {
      ERROR: (m) => this.routeError(m),
      RESULT: (m) => this.caller.onResult(m),
      REGISTERED: (m) => this.callee.onRegistered(m),
      UNREGISTERED: (m) => this.callee.onUnregistered(m),
      INVOCATION: (m) => this.callee.onInvocation(m),
      INTERRUPT: (m) => this.callee.onInterrupt(m),
      PUBLISHED: (m) => this.publisher.onPublished(m),
      SUBSCRIBED: (m) => this.subscriber.onSubscribed(m),
      UNSUBSCRIBED: (m) => this.subscriber.onUnsubscribed(m),
      EVENT: (m) => this.subscriber.onEvent(m),
    };
  }

  /** The WAMP session id (a new one after each reconnect). */
  get id(): number {
    return this.sessionId;
  }

  /** The realm joined. */
  get realm(): string {
    return this.options.realm;
  }

  get state(): SessionState {
    return this.current;
  }

  /** WELCOME.Details of the current WAMP session (authid, authrole, router roles, ...). */
  get details(): Dict {
    return this.welcomeDetails;
  }

  /**
   * Call a procedure. Resolves with the final result (`result.value` is
   * args[0]); rejects with RemoteError for a WAMP ERROR, or ClientError
   * ('timeout', 'canceled', 'disconnected', 'closed', 'not_connected').
   */
  call(procedure: string, args?: Args, kwargs?: Kwargs, options?: CallOptions): Promise<CallResult> {
    return this.caller.call(procedure, args, kwargs, options);
  }

  /**
   * Call a procedure and iterate its progressive results, then its final
   * result (`result.progress` tells them apart). Leaving the loop early
   * cancels the call. Errors are thrown by the iteration.
   */
  callProgressive(procedure: string, args?: Args, kwargs?: Kwargs, options?: Omit<CallOptions, 'onProgress'>): AsyncIterableIterator<CallResult> {
    return this.caller.callProgressive(procedure, args, kwargs, options);
  }

  /**
   * Provide a procedure. The Registration stays valid across reconnects.
   * Rejects with RemoteError (e.g. wamp.error.procedure_already_exists).
   */
  register(procedure: string, handler: InvocationHandler, options?: RegisterOptions): Promise<Registration> {
    return this.callee.register(procedure, handler, options);
  }

  /** Subscribe to a topic. The Subscription stays valid across reconnects. */
  subscribe(topic: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription> {
    return this.subscriber.subscribe(topic, handler, options);
  }

  /**
   * Publish an event. Without `acknowledge` resolves once sent (undefined);
   * with it, on the router's PUBLISHED, or rejects with its ERROR.
   */
  publish(topic: string, args: Args | undefined, kwargs: Kwargs | undefined, options: PublishOptions & { acknowledge: true }): Promise<Publication>;
  publish(topic: string, args?: Args, kwargs?: Kwargs, options?: PublishOptions): Promise<Publication | undefined>;
  publish(topic: string, args?: Args, kwargs?: Kwargs, options?: PublishOptions): Promise<Publication | undefined> {
    return this.publisher.publish(topic, args, kwargs, options);
  }

  /**
   * Provide a typed procedure: incoming kwargs are validated against
   * `procedure.args` (a bad field answers wamp.error.invalid_argument naming
   * it; the handler does not run) and the handler's result against
   * `procedure.result` before it is sent as args[0].
   */
  provide<A extends InputSchema, R extends z.ZodType>(
    procedure: Procedure<A, R>,
    handler: ProcedureHandler<A, R>,
    options?: RegisterOptions,
  ): Promise<Registration> {
    return this.callee.register(procedure.name, typedHandler(procedure, handler, this.options.logger), options);
  }

  /**
   * Call a typed procedure: `input` is sent as kwargs; the result (args[0]) is
   * validated against `procedure.result` (ClientError 'invalid_result' if not).
   */
  invoke<A extends InputSchema, R extends z.ZodType>(
    procedure: Procedure<A, R>,
    input: z.input<A>,
    options?: Omit<CallOptions, 'onProgress'>,
  ): Promise<z.output<R>> {
    return invokeTyped((name, args, kwargs, callOptions) => this.call(name, args, kwargs, callOptions), procedure, input, options);
  }

  /** Listen to a session event; returns a function that removes the listener. */
  on<K extends keyof SessionEvents>(event: K, listener: (payload: SessionEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  off<K extends keyof SessionEvents>(event: K, listener: (payload: SessionEvents[K]) => void): void {
    this.emitter.off(event, listener);
  }

  /** The payload of the next `event`. */
  once<K extends keyof SessionEvents>(event: K): Promise<SessionEvents[K]> {
    return this.emitter.once(event);
  }

  /**
   * End the session: pending requests fail with ClientError 'closed', running
   * handlers are aborted, GOODBYE is exchanged (at most closeTimeoutMs), the
   * connection closes, reconnecting stops. Idempotent: every call returns the
   * same promise. Every use afterwards rejects with ClientError 'closed'.
   */
  close(reason: string = ErrorUri.closeRealm): Promise<void> {
    this.closing ??= this.shutDown(reason);
    return this.closing;
  }

  /**
   * End the session at once, without GOODBYE: the connection is dropped,
   * pending requests fail with ClientError 'closed', handlers are aborted.
   * Idempotent; also cuts short a close() in progress.
   */
  destroy(error?: Error): void {
    if (this.current === 'closed') return;
    this.closing ??= Promise.resolve();
    if (this.reconnectTimer !== undefined) this.options.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const closed = new ClientError('closed', 'the session was destroyed', { cause: error });
    this.attemptController?.abort(closed);
    this.failRoles(closed, true);
    const link = this.link;
    this.link = undefined;
    link?.destroy(error ?? closed);
    this.finish('destroyed', error);
  }

  /** @internal The first connection; connect() rejects with its failure. */
  async start(): Promise<void> {
    await this.establish();
  }

  private async shutDown(reason: string): Promise<void> {
    const error = new ClientError('closed', 'the session is closed');
    switch (this.current) {
      case 'closed':
      case 'closing':
        return;
      case 'connecting':
      case 'reconnecting':
        if (this.reconnectTimer !== undefined) this.options.clock.clearTimeout(this.reconnectTimer);
        this.reconnectTimer = undefined;
        this.attemptController?.abort(error);
        this.failRoles(error, true);
        this.finish(reason, undefined);
        return;
      case 'established': {
        this.transition('closing');
        this.failRoles(error, true);
        const link = this.link;
        if (link !== undefined) await link.goodbye(reason, this.options.closeTimeoutMs);
        this.link = undefined;
        this.finish(reason, undefined);
        return;
      }
    }
  }

  private assertOpen(): void {
    switch (this.current) {
      case 'established':
        return;
      case 'closing':
      case 'closed':
        throw new ClientError('closed', 'the session is closed');
      case 'connecting':
      case 'reconnecting':
        throw new ClientError('not_connected', 'the session is reconnecting');
    }
  }

  private transition(next: SessionState): void {
    if (!transitions[this.current].includes(next)) {
      throw new Error(`thoth client bug: session state ${this.current} -> ${next}`);
    }
    this.current = next;
  }

  /** One connection attempt: transport, then the WAMP handshake, within connectTimeoutMs. */
  private async establish(): Promise<void> {
    const { clock, connectTimeoutMs } = this.options;
    const controller = new AbortController();
    this.attemptController = controller;
    const timer = clock.setTimeout(
      () => controller.abort(new ClientError('connect_failed', `no WELCOME from ${this.options.url} within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    let link: Link | undefined;
    try {
      const connection = await this.openConnection(controller.signal);
      if (controller.signal.aborted) {
        connection.destroy();
        throw controller.signal.reason;
      }
      const holder: { link?: Link } = {};
      link = new Link(connection, {
        realm: this.options.realm,
        helloDetails: helloDetails(this.options),
        onChallenge: this.options.onChallenge,
        logger: this.options.logger,
        clock,
      }, {
        message: (message) => { if (this.link === holder.link) this.receive(message); },
        ended: (end) => { if (this.link === holder.link) this.linkEnded(end); },
      });
      holder.link = link;
      const established = link;
      controller.signal.addEventListener('abort', () => established.destroy(controller.signal.reason as Error), { once: true });
      const welcome = await link.handshake();
      if (link.state !== 'established') throw new ClientError('connect_failed', 'the connection closed right after WELCOME');
      if (this.current !== 'connecting' && this.current !== 'reconnecting') {
        void link.goodbye(ErrorUri.closeRealm, this.options.closeTimeoutMs);
        throw new ClientError('closed', 'the session was closed while connecting');
      }
      this.ids = new RequestIds();
      this.sessionId = welcome.sessionId;
      this.welcomeDetails = welcome.details;
      this.link = link;
      this.transition('established');
    } catch (error) {
      if (controller.signal.aborted && error !== controller.signal.reason && controller.signal.reason instanceof Error) {
        throw controller.signal.reason;
      }
      throw error instanceof ClientError || error instanceof RemoteError
        ? error
        : new ClientError(
          error instanceof TransportError && error.code === 'tls_failed' ? 'tls_failed' : 'connect_failed',
          `could not connect to ${this.options.url}: ${messageOf(error)}`,
          { cause: error },
        );
    } finally {
      clock.clearTimeout(timer);
      if (this.attemptController === controller) this.attemptController = undefined;
    }
  }

  private openConnection(signal: AbortSignal): Promise<Connection> {
    const { url, serializer, limits, pingIntervalMs, connectTimeoutMs, tls } = this.options;
    const transportOptions: TransportConnectOptions = { timeoutMs: connectTimeoutMs, signal };
    if (tls !== undefined) transportOptions.tls = tls;
    if (serializer !== undefined) transportOptions.serializer = serializer;
    if (limits !== undefined) transportOptions.limits = limits;
    if (pingIntervalMs !== undefined) transportOptions.pingIntervalMs = pingIntervalMs;
    return (this.options.connectTransport ?? connectTransport)(url, transportOptions);
  }

  private receive(message: SessionMessage): void {
    (this.dispatch[message.type] as (message: SessionMessage) => void)(message);
  }

  /** ERROR goes to the role that sent the request it answers. */
  private routeError(message: MessageOf<'ERROR'>): void {
    switch (message.requestType) {
      case MessageCode.CALL: return this.caller.onError(message);
      case MessageCode.REGISTER:
      case MessageCode.UNREGISTER: return this.callee.onError(message);
      case MessageCode.SUBSCRIBE:
      case MessageCode.UNSUBSCRIBE: return this.subscriber.onError(message);
      case MessageCode.PUBLISH: return this.publisher.onError(message);
      default:
        this.options.logger.debug({ requestType: message.requestType, error: message.error }, 'ERROR answering no request type a client sends; ignored');
    }
  }

  /** The current link ended without close(). */
  private linkEnded(end: LinkEnd): void {
    this.link = undefined;
    if (this.current !== 'established') return;
    const error = new ClientError('disconnected', `the connection to the router was lost (${end.reason})`, { cause: end.error });
    this.failRoles(error, false);
    const policy = this.options.reconnect;
    this.options.logger.warn({ reason: end.reason, by: end.by, reconnect: policy !== false }, 'disconnected from the router');
    this.emitter.emit('disconnect', { reason: end.reason, by: end.by, willReconnect: policy !== false, error: end.error });
    if (policy === false) {
      this.failRoles(new ClientError('closed', 'the session is closed'), true);
      this.finish(end.reason, error);
      return;
    }
    this.transition('reconnecting');
    this.reconnectAttempts = 0;
    this.lastError = error;
    this.scheduleReconnect(policy);
  }

  private scheduleReconnect(policy: BackoffPolicy): void {
    const attempt = this.reconnectAttempts + 1;
    if (policy.maxAttempts !== undefined && attempt > policy.maxAttempts) {
      const error = new ClientError('reconnect_failed', `gave up reconnecting after ${policy.maxAttempts} attempts`, { cause: this.lastError });
      this.failRoles(new ClientError('closed', 'the session is closed'), true);
      this.finish('reconnect_failed', error);
      return;
    }
    this.reconnectAttempts = attempt;
    const delayMs = backoffDelay(attempt, policy, this.options.random);
    this.emitter.emit('reconnecting', { attempt, delayMs, lastError: this.lastError });
    this.reconnectTimer = this.options.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect(policy);
    }, delayMs);
  }

  private async reconnect(policy: BackoffPolicy): Promise<void> {
    try {
      await this.establish();
    } catch (error) {
      if (this.current !== 'reconnecting') return;
      this.lastError = error as Error;
      this.options.logger.info({ err: error, attempt: this.reconnectAttempts }, 'reconnect attempt failed');
      this.scheduleReconnect(policy);
      return;
    }
    const attempts = this.reconnectAttempts;
    this.reconnectAttempts = 0;
    const link = this.link;
    const [registrations, subscriptions] = await Promise.all([this.callee.restore(), this.subscriber.restore()]);
    this.reportRestoreFailures('registration', registrations);
    this.reportRestoreFailures('subscription', subscriptions);
    if (this.link !== link || this.current !== 'established') return;
    this.options.logger.info({ sessionId: this.sessionId, attempts }, 'reconnected');
    this.emitter.emit('reconnect', { sessionId: this.sessionId, attempts });
  }

  private reportRestoreFailures(kind: 'registration' | 'subscription', failures: RestoreFailure[]): void {
    for (const { uri, error } of failures) {
      this.options.logger.error({ err: error, kind, uri }, 'could not restore after reconnect');
      this.emitter.emit('restoreFailed', { kind, uri, error });
    }
  }

  /** Fail everything in flight; `final` also ends every registration and subscription. */
  private failRoles(error: ClientError, final: boolean): void {
    this.caller.rejectAll(error);
    this.publisher.rejectAll(error);
    if (final) {
      this.callee.closed(error);
      this.subscriber.closed(error);
    } else {
      this.callee.disconnected(error);
      this.subscriber.disconnected(error);
    }
  }

  /** Enter 'closed' and emit 'close', once. */
  private finish(reason: string, error: Error | undefined): void {
    if (this.current === 'closed') return;
    this.transition('closed');
    this.emitter.emit('close', { reason, error });
  }
}

/**
 * Connect to a WAMP router and join a realm. Options are validated first
 * (ClientError 'invalid_options' naming the bad key). The first connection is
 * not retried: failures reject (ClientError 'connect_failed' / 'auth_failed',
 * or RemoteError for the router's ABORT, e.g. wamp.error.no_such_realm).
 */
export async function connect(options: ConnectOptions): Promise<Session> {
  const session = new Session(resolveOptions(options));
  try {
    await session.start();
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}
