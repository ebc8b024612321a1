import { randomId } from '../protocol/ids.js';
import { ErrorUri } from '../protocol/error-uris.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Connection } from '../transport/connection.js';
import { listenRawSocket, listenWebSocket, TransportError, type Listener } from '../transport/index.js';
import type { TlsServerOptions } from '../transport/tls-server.js';
import { Admission } from './admission.js';
import { anonymousAuthenticator, type Authenticator } from './auth.js';
import { Realm } from './realm.js';
import { Authorizer, rolesConfigSchema, type RolesConfig } from './authorization.js';
import { routerOptionsSchema, type RouterSettings, type RouterSettingsInput } from './options.js';
import { SessionController, type SessionHost } from './session-controller.js';
import { formatZodError } from '../common/zod-error.js';
import { isLoopbackHost } from './auth/config.js';

export interface RouterOptions extends RouterSettingsInput {
  logger?: Logger;
  /** Authentication methods, tried in the order the client lists its authmethods. Default: anonymous (loopback only). */
  authenticators?: Authenticator[];
  /** Authorization: roles and their rules (auth.roles in the config). local and router are built in; any other role without an entry may do nothing. */
  roles?: RolesConfig;
  /** Injected randomness (ids, random invoke policy), for tests. */
  random?: () => number;
}

export interface ListenOptions {
  /**
   * With `tls`: wss://. `allowedOrigins`: browser origins that may connect (default
   * none: an upgrade carrying an Origin header is refused with 403, see listenWebSocket).
   */
  websocket?: { host?: string; port?: number; path?: string; tls?: TlsServerOptions; allowedOrigins?: readonly string[] } | false;
  /** With `tls`: RawSocket over TLS, tls://host:port */
  rawsocket?: { host?: string; port?: number; tls?: TlsServerOptions } | false;
  unix?: { path: string } | false;
}

/** A listener the router serves. */
export interface Endpoint {
  url: string;
  /** TLS listeners: the certificate's fingerprint, 'sha256:AB:CD:...', for clients to pin. */
  tlsFingerprint?: string;
}

export class RouterError extends Error {
  override readonly name = 'RouterError';
  constructor(readonly code: 'invalid_options' | 'closed' | 'listen_failed', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The thoth router: realms with a dealer and a broker each, reached over any
 * number of listeners (WebSocket, RawSocket TCP, Unix) or attached connections.
 */
export class Router implements SessionHost {
  readonly logger: Logger;
  readonly settings: RouterSettings;
  readonly helloTimeoutMs: number;
  private readonly realms = new Map<string, Realm>();
  private readonly sessions = new Set<SessionController>();
  private readonly sessionIds = new Set<number>();
  private readonly listeners: Listener[] = [];
  private readonly authenticators: Authenticator[];
  readonly authorizer: Authorizer;
  private closing: Promise<void> | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly closeHooks: (() => void)[] = [];
  private readonly admission: Admission;
  /** Browser origins already logged as refused (bounded): warn once per origin, then debug. */
  private readonly refusedOrigins = new Set<string>();

  constructor(options: RouterOptions = {}) {
    const { logger, authenticators, random, roles, ...settings } = options;
    const parsed = routerOptionsSchema.safeParse(settings);
    if (!parsed.success) throw new RouterError('invalid_options', `invalid router options: ${formatZodError(parsed.error)}`);
    const parsedRoles = rolesConfigSchema.safeParse(roles ?? {});
    if (!parsedRoles.success) throw new RouterError('invalid_options', `invalid router options: roles: ${formatZodError(parsedRoles.error)}`);
    this.authorizer = new Authorizer(parsedRoles.data);
    this.settings = parsed.data;
    this.logger = logger ?? silentLogger;
    this.helloTimeoutMs = this.settings.limits.helloTimeoutMs;
    this.authenticators = authenticators ?? [anonymousAuthenticator];
    this.admission = new Admission(this.settings.limits, this.logger);
    for (const name of this.settings.realms) {
      this.realms.set(name, new Realm({ name, limits: this.settings.limits, logger: this.logger.child({ realm: name }), internalSessionId: this.newSessionId(), authorizer: this.authorizer, random }));
    }
  }

  /**
   * Start listeners; each given transport listens, on port 0 for an ephemeral port. Returns their URLs.
   * A WebSocket or RawSocket listener beyond loopback is refused unless an authentication method
   * other than anonymous is configured: anonymous sessions are only admitted on loopback listeners
   * and Unix sockets, so nobody could join there (the CLI checks the same, with config hints).
   */
  async listen(options: ListenOptions): Promise<string[]> {
    if (this.closing) throw new RouterError('closed', 'the router is closed');
    if (!this.authenticators.some((a) => a.method !== 'anonymous')) {
      for (const [name, listener] of [['websocket', options.websocket], ['rawsocket', options.rawsocket]] as const) {
        const host = listener ? listener.host ?? '127.0.0.1' : undefined;
        if (host !== undefined && !isLoopbackHost(host)) {
          throw new RouterError('invalid_options', `refusing to listen on ${host} (${name}): anonymous sessions are only admitted on loopback listeners and Unix sockets, and no other authentication method is configured; give the Router authenticators (ticket, cryptosign: buildAuthenticators) or listen on 127.0.0.1 or ::1`);
        }
      }
    }
    const limits = { maxMessageBytes: this.settings.limits.maxMessageBytes, maxQueuedBytes: this.settings.limits.maxQueuedBytes };
    const accept = (connection: Connection): void => this.attach(connection);
    // Garbage, port scans, plain TCP to a TLS port: the peer's problem, not the router's.
    // A web page's origin refused: worth a warning (once per origin), it may be an attack or a missing allowedOrigins entry.
    const onError = (error: Error, peer: string): void => {
      if (error instanceof TransportError && error.code === 'origin_refused') {
        const first = !this.refusedOrigins.has(error.message) && this.refusedOrigins.size < 1000;
        if (first) this.refusedOrigins.add(error.message);
        this.logger[first ? 'warn' : 'debug']({ peer, reason: error.message }, 'websocket upgrade refused: browser origin not allowed');
        return;
      }
      this.logger.debug({ peer, reason: error.message }, 'connection failed before its session');
    };
    const started: Listener[] = [];
    try {
      if (options.websocket) started.push(await listenWebSocket({ ...options.websocket, limits, onError }, accept));
      if (options.rawsocket) started.push(await listenRawSocket({ ...options.rawsocket, limits, onError }, accept));
      if (options.unix) started.push(await listenRawSocket({ path: options.unix.path, limits, onError }, accept));
    } catch (cause) {
      await Promise.all(started.map((l) => l.close()));
      throw new RouterError('listen_failed', `could not listen: ${(cause as Error).message}`, { cause });
    }
    this.listeners.push(...started);
    for (const l of started) {
      this.logger.info({ url: l.url }, 'listening');
      if (l.tlsFingerprint !== undefined) this.logger.info({ url: l.url, fingerprint: l.tlsFingerprint }, `tls fingerprint ${l.tlsFingerprint}`);
    }
    return started.map((l) => l.url);
  }

  get urls(): string[] {
    return this.listeners.map((l) => l.url);
  }

  get endpoints(): Endpoint[] {
    return this.listeners.map((l) => (l.tlsFingerprint === undefined ? { url: l.url } : { url: l.url, tlsFingerprint: l.tlsFingerprint }));
  }

  /** Serve a connection made elsewhere (a listener, an in-memory pair). */
  attach(connection: Connection): void {
    if (this.closing) {
      connection.send({ type: 'ABORT', details: { message: 'the router is shutting down' }, reason: ErrorUri.systemShutdown });
      connection.close();
      return;
    }
    const refusal = this.admission.check(connection, this.sessions.size);
    if (refusal !== undefined) {
      connection.send({ type: 'ABORT', details: { message: refusal.message }, reason: refusal.reason });
      connection.close();
      return;
    }
    this.sessions.add(new SessionController(connection, this));
  }

  realm(name: string): Realm | undefined {
    return this.realms.get(name);
  }

  authenticator(methods: readonly string[]): Authenticator | undefined {
    for (const method of methods) {
      const found = this.authenticators.find((a) => a.method === method);
      if (found) return found;
    }
    return undefined;
  }

  newSessionId(): number {
    let id = randomId();
    while (this.sessionIds.has(id)) id = randomId();
    this.sessionIds.add(id);
    return id;
  }

  sessionEnded(session: SessionController): void {
    this.sessions.delete(session);
    this.sessionIds.delete(session.id);
    if (this.sessions.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Run when the router has shut down (a layer above releasing its timers and files). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Graceful shutdown: stop listening, fail every call in flight with
   * thoth.error.router_shutdown, say GOODBYE to every session, wait for the replies
   * up to shutdownTimeoutMs, then drop whoever is left. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.logger.info({ sessions: this.sessions.size }, 'router shutting down');
    await Promise.all(this.listeners.map((l) => l.close()));
    for (const realm of this.realms.values()) realm.dealer.failAllCalls(ErrorUri.routerShutdown, 'the router is shutting down');
    for (const session of this.sessions) session.goodbye(ErrorUri.systemShutdown, 'the router is shutting down');
    if (this.sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.shutdownTimeoutMs))),
      ]);
      clearTimeout(timer);
      for (const session of [...this.sessions]) session.connection.destroy(new Error('router shut down'));
    }
    for (const hook of this.closeHooks.splice(0)) {
      try {
        hook();
      } catch (error) {
        this.logger.error({ err: error }, 'a close hook failed');
      }
    }
    this.logger.info('router stopped');
  }
}
