import type { Authenticate, Dict, Hello, Message } from '../protocol/messages.js';
import type { ParseAnswer } from '../protocol/parse.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Logger } from '../observability/logger.js';
import type { CloseInfo, Connection, ConnectionHandler } from '../transport/connection.js';
import { requestedMethods, type AuthOutcome, type Authenticator, type JoinRequest } from './auth.js';
import type { Realm } from './realm.js';
import { RemotePeer } from './remote-peer.js';
import { routerRoles } from './roles.js';

/** What a session needs from its router. */
export interface SessionHost {
  readonly logger: Logger;
  readonly helloTimeoutMs: number;
  realm(name: string): Realm | undefined;
  authenticator(methods: readonly string[]): Authenticator | undefined;
  newSessionId(): number;
  sessionEnded(session: SessionController): void;
}

/*
 * awaiting_hello -> authenticating -> (challenged -> authenticating) -> established
 * established -> closing (we sent GOODBYE) -> closed; any state -> closed.
 */
export type SessionState = 'awaiting_hello' | 'authenticating' | 'challenged' | 'established' | 'closing' | 'closed';

const clientRoles = ['caller', 'callee', 'publisher', 'subscriber'] as const;

/**
 * One connection's WAMP session on the router side: the handshake and
 * authentication, then routing every message to its realm, then the goodbye.
 * The state check happens once per message, before the realm's dispatch table.
 */
export class SessionController implements ConnectionHandler {
  state: SessionState = 'awaiting_hello';
  readonly id: number;
  peer: RemotePeer | undefined;
  private realm: Realm | undefined;
  private logger: Logger;
  private helloTimer: NodeJS.Timeout | undefined;
  private join: { request: JoinRequest; authenticator: Authenticator; state: unknown; roles: Dict } | undefined;

  constructor(readonly connection: Connection, private readonly host: SessionHost) {
    this.id = host.newSessionId();
    this.logger = host.logger.child({ session: this.id });
    this.helloTimer = setTimeout(onHelloTimeout, host.helloTimeoutMs, this);
    connection.attach(this);
  }

  message(message: Message): void {
    switch (this.state) {
      case 'established':
        if (this.realm!.dispatch(this.peer!, message)) return;
        if (message.type === 'GOODBYE') return this.goodbyeFromPeer();
        if (message.type === 'ABORT') return this.connection.close();
        return this.violation(`${message.type} is not a message a client may send in an established session`);
      case 'awaiting_hello':
        if (message.type === 'HELLO') return void this.hello(message);
        if (message.type === 'ABORT') return this.connection.close();
        return this.violation(`expected HELLO, got ${message.type}`);
      case 'challenged':
        if (message.type === 'AUTHENTICATE') return void this.authenticate(message);
        if (message.type === 'ABORT') return this.connection.close();
        return this.violation(`expected AUTHENTICATE, got ${message.type}`);
      case 'authenticating':
        if (message.type === 'ABORT') return this.connection.close();
        return this.violation(`${message.type} sent before the session was welcomed`);
      case 'closing':
        if (message.type === 'GOODBYE' || message.type === 'ABORT') this.connection.close();
        return; // the spec: after GOODBYE, everything but the reply is ignored
      case 'closed':
        return;
    }
  }

  violation(reason: string, answer?: ParseAnswer): void {
    if (this.state === 'closed') return;
    if (answer !== undefined && this.state === 'established') {
      // A well-formed request with one bad URI: the spec answers it with an ERROR, the session goes on.
      this.connection.send({ type: 'ERROR', requestType: answer.requestType, requestId: answer.requestId, details: {}, error: answer.error, args: [reason] });
      return;
    }
    this.logger.warn({ reason, peer: this.connection.remoteAddress }, 'protocol violation');
    this.abort(ErrorUri.protocolViolation, reason);
  }

  closed(info: CloseInfo): void {
    const wasEstablished = this.state === 'established' || this.state === 'closing';
    this.state = 'closed';
    this.clearHelloTimer();
    if (wasEstablished && this.peer !== undefined) {
      this.realm!.leave(this.peer);
      this.logger.info({ code: info.code, reason: info.reason }, 'session left');
    } else if (info.code !== 'closed') {
      this.logger.info({ code: info.code, reason: info.reason }, 'connection closed before a session was established');
    }
    this.host.sessionEnded(this);
  }

  /** Router-initiated close (shutdown): GOODBYE, then wait for the peer's reply. */
  goodbye(reason: string, message: string): void {
    if (this.state === 'established') {
      this.state = 'closing';
      this.connection.send({ type: 'GOODBYE', details: { message }, reason });
    } else if (this.state !== 'closing' && this.state !== 'closed') {
      this.abort(reason, message);
    }
  }

  timedOutWaitingForHello(): void {
    this.helloTimer = undefined;
    if (this.state === 'awaiting_hello' || this.state === 'authenticating' || this.state === 'challenged') {
      this.logger.info({ peer: this.connection.remoteAddress }, 'no HELLO in time');
      this.abort(ErrorUri.sessionTimeout, `the session was not established within ${this.host.helloTimeoutMs} ms`);
    }
  }

  private async hello(message: Hello): Promise<void> {
    this.state = 'authenticating';
    const realm = this.host.realm(message.realm);
    if (realm === undefined) return this.abort(ErrorUri.noSuchRealm, `no realm "${message.realm}" on this router`);
    const roles = message.details['roles'];
    if (roles === null || typeof roles !== 'object' || Array.isArray(roles) || !clientRoles.some((r) => r in roles)) {
      return this.violation('HELLO.Details.roles must name at least one of caller, callee, publisher, subscriber');
    }
    const methods = requestedMethods(message.details);
    if (typeof methods === 'string') return this.violation(methods);
    const authenticator = this.host.authenticator(methods);
    if (authenticator === undefined) {
      return this.abort(ErrorUri.noAuthMethod, `none of the requested authentication methods (${methods.join(', ')}) is enabled here`);
    }
    const authid = message.details['authid'];
    const request: JoinRequest = {
      realm: message.realm,
      details: message.details,
      authid: typeof authid === 'string' ? authid : undefined,
      sessionId: this.id,
      connection: {
        isLocal: this.connection.isLocal, remoteAddress: this.connection.remoteAddress, transport: this.connection.transport,
        channelBinding: this.connection.channelBinding,
      },
    };
    this.realm = realm;
    this.join = { request, authenticator, state: undefined, roles: roles as Dict };
    await this.settle(() => authenticator.hello(request));
  }

  private async authenticate(message: Authenticate): Promise<void> {
    const join = this.join!;
    this.state = 'authenticating';
    const authenticate = join.authenticator.authenticate;
    if (authenticate === undefined) return this.abort(ErrorUri.authenticationFailed, 'authentication failed');
    await this.settle(() => authenticate.call(join.authenticator, join.request, join.state, message));
  }

  private async settle(step: () => AuthOutcome | Promise<AuthOutcome>): Promise<void> {
    let outcome: AuthOutcome;
    try {
      outcome = await step();
    } catch (error) {
      this.logger.error({ err: error }, 'authenticator failed');
      outcome = { kind: 'reject', reason: ErrorUri.authenticationFailed, message: 'authentication failed' };
    }
    // The connection went away, or we ABORTed it (a message pipelined behind HELLO), meanwhile.
    if (this.state !== 'authenticating' || this.connection.closed) return;
    const join = this.join!;
    switch (outcome.kind) {
      case 'reject':
        this.logger.info({ reason: outcome.reason, peer: this.connection.remoteAddress }, 'authentication refused');
        return this.abort(outcome.reason, outcome.message);
      case 'challenge':
        join.state = outcome.state;
        this.state = 'challenged';
        this.connection.send({ type: 'CHALLENGE', authMethod: outcome.method, extra: outcome.extra });
        return;
      case 'welcome': {
        this.clearHelloTimer();
        const realm = this.realm!;
        this.peer = new RemotePeer(this.id, outcome.identity, join.roles, this.connection, (reason, message) => this.abort(reason, message));
        this.state = 'established';
        this.join = undefined;
        const { authid, authrole, authmethod, authprovider } = outcome.identity;
        this.connection.send({
          type: 'WELCOME',
          sessionId: this.id,
          details: { realm: realm.name, authid, authrole, authmethod, authprovider, roles: routerRoles, agent: 'thoth', ...outcome.extra },
        });
        realm.join(this.peer);
        this.logger.info({ realm: realm.name, authid, authrole, transport: this.connection.transport, serializer: this.connection.serializer, peer: this.connection.remoteAddress }, 'session joined');
        return;
      }
    }
  }

  private goodbyeFromPeer(): void {
    this.state = 'closing';
    this.connection.send({ type: 'GOODBYE', details: {}, reason: ErrorUri.goodbyeAndOut });
    this.connection.close();
  }

  private abort(reason: string, message: string): void {
    if (this.state === 'closed') return;
    this.connection.send({ type: 'ABORT', details: { message }, reason });
    this.connection.close();
  }

  private clearHelloTimer(): void {
    if (this.helloTimer !== undefined) clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }
}

function onHelloTimeout(session: SessionController): void {
  session.timedOutWaitingForHello();
}
