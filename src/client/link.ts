import type { Logger } from '../observability/logger.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Dict, Message, MessageOf, MessageType } from '../protocol/messages.js';
import type { CloseInfo, Connection } from '../transport/connection.js';
import type { Clock } from './clock.js';
import { ClientError, RemoteError, messageOf } from './errors.js';
import type { ChallengeHandler } from './options.js';

/** Messages a router may send to a client; the rest only ever travel to a router. */
const direction: { [K in MessageType]: 'toClient' | 'toRouter' } = {
  HELLO: 'toRouter', WELCOME: 'toClient', ABORT: 'toClient', CHALLENGE: 'toClient',
  AUTHENTICATE: 'toRouter', GOODBYE: 'toClient', ERROR: 'toClient',
  PUBLISH: 'toRouter', PUBLISHED: 'toClient', SUBSCRIBE: 'toRouter', SUBSCRIBED: 'toClient',
  UNSUBSCRIBE: 'toRouter', UNSUBSCRIBED: 'toClient', EVENT: 'toClient',
  CALL: 'toRouter', CANCEL: 'toRouter', RESULT: 'toClient',
  REGISTER: 'toRouter', REGISTERED: 'toClient', UNREGISTER: 'toRouter', UNREGISTERED: 'toClient',
  INVOCATION: 'toClient', INTERRUPT: 'toClient', YIELD: 'toRouter',
};

/** The messages an established link hands to its owner. */
export type SessionMessageType =
  | 'ERROR' | 'PUBLISHED' | 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'EVENT'
  | 'RESULT' | 'REGISTERED' | 'UNREGISTERED' | 'INVOCATION' | 'INTERRUPT';
export type SessionMessage = MessageOf<SessionMessageType>;

export type LinkState = 'handshaking' | 'established' | 'closing' | 'closed';

/** Why a link ended. */
export interface LinkEnd {
  /** A WAMP URI (GOODBYE/ABORT reason, protocol violation) or the transport close code. */
  reason: string;
  /** Who ended it: we did (close, violation), the router did (GOODBYE, ABORT), or the transport failed. */
  by: 'local' | 'router' | 'transport';
  error?: Error;
}

export interface LinkOwner {
  /** A message of an established session. */
  message(message: SessionMessage): void;
  /** The link ended after it was established. Called once; never for a failed handshake. */
  ended(end: LinkEnd): void;
}

export interface LinkOptions {
  realm: string;
  helloDetails: Dict;
  onChallenge: ChallengeHandler | undefined;
  logger: Logger;
  clock: Clock;
}

/**
 * One WAMP session over one connection: HELLO, CHALLENGE/AUTHENTICATE,
 * WELCOME or ABORT, then established traffic, then GOODBYE. A Session makes a
 * new Link for each (re)connection.
 */
export class Link {
  private linkState: LinkState = 'handshaking';
  private wasEstablished = false;
  private endReason: LinkEnd | undefined;
  private handshakeWaiter: { resolve: (welcome: MessageOf<'WELCOME'>) => void; reject: (error: Error) => void } | undefined;
  private closeTimer: unknown;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly connection: Connection,
    private readonly options: LinkOptions,
    private readonly owner: LinkOwner,
  ) {
    this.closedPromise = new Promise((resolve) => { this.resolveClosed = resolve; });
    connection.attach({
      message: (message) => this.receive(message),
      violation: (reason) => this.violation(reason),
      closed: (info) => this.closed(info),
    });
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Send HELLO; resolves on WELCOME, rejects on ABORT (RemoteError) or any failure (ClientError). */
  handshake(): Promise<MessageOf<'WELCOME'>> {
    return new Promise((resolve, reject) => {
      this.handshakeWaiter = { resolve, reject };
      this.connection.send({ type: 'HELLO', realm: this.options.realm, details: this.options.helloDetails });
    });
  }

  /** Send on an established link; false when the link cannot send (closing, closed). */
  send(message: Message): boolean {
    if (this.linkState !== 'established') return false;
    return this.connection.send(message);
  }

  /**
   * GOODBYE handshake: send GOODBYE, wait for the router's GOODBYE (at most
   * `timeoutMs`), then close. Resolves once the connection is closed.
   */
  goodbye(reason: string, timeoutMs: number): Promise<void> {
    if (this.linkState === 'established') {
      this.linkState = 'closing';
      this.endReason = { reason, by: 'local' };
      this.connection.send({ type: 'GOODBYE', details: {}, reason });
      this.closeTimer = this.options.clock.setTimeout(() => this.connection.destroy(), timeoutMs);
    } else if (this.linkState === 'handshaking') {
      this.destroy(new ClientError('closed', 'session closed during the handshake'));
    }
    return this.closedPromise;
  }

  /** Drop the connection at once (connect timeout, close during handshake). */
  destroy(error: Error): void {
    if (this.linkState === 'closed') return;
    this.endReason ??= { reason: 'destroyed', by: 'local', error };
    this.connection.destroy(error);
  }

  private receive(message: Message): void {
    if (direction[message.type] === 'toRouter') {
      this.violation(`a router must not send ${message.type}`);
      return;
    }
    switch (this.linkState) {
      case 'handshaking': return this.receiveHandshake(message);
      case 'established': return this.receiveEstablished(message);
      case 'closing':
        if (message.type === 'GOODBYE' || message.type === 'ABORT') this.connection.close();
        else this.ignore(message, 'session closing');
        return;
      case 'closed': return;
    }
  }

  private receiveHandshake(message: Message): void {
    switch (message.type) {
      case 'WELCOME': {
        this.linkState = 'established';
        this.wasEstablished = true;
        const waiter = this.handshakeWaiter;
        this.handshakeWaiter = undefined;
        waiter?.resolve(message);
        return;
      }
      case 'CHALLENGE':
        void this.answerChallenge(message);
        return;
      case 'ABORT': {
        const error = abortError(message);
        this.endReason = { reason: message.reason, by: 'router', error };
        this.failHandshake(error);
        this.connection.close();
        return;
      }
      default:
        this.ignore(message, 'handshake not finished');
    }
  }

  private receiveEstablished(message: Message): void {
    switch (message.type) {
      case 'GOODBYE':
        this.endReason = { reason: message.reason, by: 'router' };
        this.connection.send({ type: 'GOODBYE', details: {}, reason: ErrorUri.goodbyeAndOut });
        this.linkState = 'closing';
        this.connection.close();
        return;
      case 'ABORT':
        this.endReason = { reason: message.reason, by: 'router', error: abortError(message) };
        this.linkState = 'closing';
        this.connection.close();
        return;
      case 'WELCOME':
      case 'CHALLENGE':
        this.ignore(message, 'session already established');
        return;
      default:
        this.owner.message(message as SessionMessage);
    }
  }

  private async answerChallenge(challenge: MessageOf<'CHALLENGE'>): Promise<void> {
    const hook = this.options.onChallenge;
    if (hook === undefined) {
      this.abortHandshake(new ClientError('auth_failed', `the router asked for '${challenge.authMethod}' authentication and no onChallenge hook is set`));
      return;
    }
    let signature: string;
    try {
      signature = await hook(challenge.authMethod, challenge.extra, { channelBinding: this.connection.channelBinding });
      if (typeof signature !== 'string') throw new TypeError('onChallenge must return a string');
    } catch (error) {
      this.abortHandshake(new ClientError('auth_failed', `onChallenge failed for '${challenge.authMethod}': ${messageOf(error)}`, { cause: error }));
      return;
    }
    if (this.linkState !== 'handshaking') return;
    this.connection.send({ type: 'AUTHENTICATE', signature, extra: {} });
  }

  private abortHandshake(error: ClientError): void {
    if (this.linkState !== 'handshaking') return;
    this.endReason = { reason: ErrorUri.authenticationFailed, by: 'local', error };
    this.connection.send({ type: 'ABORT', details: { message: error.message }, reason: ErrorUri.authenticationFailed });
    this.failHandshake(error);
    this.connection.close();
  }

  private violation(reason: string): void {
    if (this.linkState === 'closed' || this.linkState === 'closing') return;
    this.options.logger.warn({ reason }, 'protocol violation by the router; aborting the session');
    const error = new ClientError('protocol_violation', `protocol violation by the router: ${reason}`);
    this.endReason = { reason: ErrorUri.protocolViolation, by: 'local', error };
    this.connection.send({ type: 'ABORT', details: { message: reason }, reason: ErrorUri.protocolViolation });
    this.failHandshake(error);
    this.linkState = 'closing';
    this.connection.close();
  }

  private closed(info: CloseInfo): void {
    const hadHandshake = this.handshakeWaiter !== undefined;
    this.linkState = 'closed';
    if (this.closeTimer !== undefined) this.options.clock.clearTimeout(this.closeTimer);
    const end: LinkEnd = this.endReason ?? {
      reason: info.code,
      by: 'transport',
      error: info.error ?? new ClientError('disconnected', `connection closed: ${info.reason || info.code}`),
    };
    if (hadHandshake) {
      this.failHandshake(end.error ?? new ClientError('connect_failed', `connection closed during the handshake: ${end.reason}`));
    }
    this.resolveClosed();
    if (this.wasEstablished) this.owner.ended(end);
  }

  private failHandshake(error: Error): void {
    const waiter = this.handshakeWaiter;
    this.handshakeWaiter = undefined;
    waiter?.reject(error);
  }

  private ignore(message: Message, why: string): void {
    this.options.logger.debug({ type: message.type, why }, 'ignored a message from the router');
  }
}

function abortError(message: MessageOf<'ABORT'>): RemoteError {
  const text = message.details['message'];
  return new RemoteError(message.reason, typeof text === 'string' ? [text] : [], {}, message.details);
}
