import { MessageCode, type Dict, type Message, type MessageOf, type MessageType } from '../protocol/messages.js';
import type { Logger } from '../observability/logger.js';
import { Broker } from './broker.js';
import { Dealer, type Registration } from './dealer.js';
import { InternalSession, type InternalProcedure } from './internal-session.js';
import { MetaApi } from './meta.js';
import type { Peer } from './peer.js';
import type { SessionLimits } from './options.js';
import { Authorizer, type AuthorizationAction } from './authorization.js';
import { ErrorUri } from '../protocol/error-uris.js';

type Handler<K extends MessageType> = (realm: Realm, peer: Peer, message: MessageOf<K>) => void;
type DispatchTable = { [K in MessageType]?: Handler<K> };

/**
 * What an established session may send, and where it goes. Anything else is a
 * protocol violation, decided by the session before it calls dispatch.
 */
const established: DispatchTable = {
  REGISTER: (realm, peer, m) => {
    // Any invoke value that is not a string is refused by the dealer (or, for a device, here).
    const invoke = m.options['invoke'] ?? 'single';
    if (realm.permits(peer, 'register', m.procedure, MessageCode.REGISTER, m.requestId, true, m.options['match'], typeof invoke === 'string' ? invoke : String(invoke))) realm.dealer.register(peer, m);
  },
  UNREGISTER: (realm, peer, m) => realm.dealer.unregister(peer, m),
  CALL: (realm, peer, m) => {
    if (realm.permits(peer, 'call', m.procedure, MessageCode.CALL, m.requestId)) realm.dealer.call(peer, m);
  },
  CANCEL: (realm, peer, m) => realm.dealer.cancel(peer, m),
  YIELD: (realm, peer, m) => realm.dealer.yield(peer, m),
  ERROR: (realm, peer, m) => realm.dealer.invocationError(peer, m),
  PUBLISH: (realm, peer, m) => {
    if (realm.permits(peer, 'publish', m.topic, MessageCode.PUBLISH, m.requestId, m.options['acknowledge'] === true)) realm.broker.publish(peer, m);
  },
  SUBSCRIBE: (realm, peer, m) => {
    if (realm.permits(peer, 'subscribe', m.topic, MessageCode.SUBSCRIBE, m.requestId, true, m.options['match'])) realm.broker.subscribe(peer, m);
  },
  UNSUBSCRIBE: (realm, peer, m) => realm.broker.unsubscribe(peer, m),
};

/** A layer above the router (the mesh) following a realm's sessions and registrations. */
export interface RealmListener {
  registered?(peer: Peer, registration: Registration, options: Dict): void;
  unregistered?(peer: Peer, registration: Registration): void;
  /** After the dealer and broker have let go of the session. */
  sessionLeft?(peer: Peer): void;
}

export interface RealmOptions {
  name: string;
  limits: SessionLimits;
  logger: Logger;
  internalSessionId: number;
  /** Roles and their rules; default: only the built-in roles (everyone else may do nothing). */
  authorizer?: Authorizer;
  random?: () => number;
}

/** A routing domain: its sessions, dealer, broker, meta API and the router's internal session. */
export class Realm {
  readonly name: string;
  readonly sessions = new Map<number, Peer>();
  readonly dealer: Dealer;
  readonly broker: Broker;
  readonly internal: InternalSession;
  readonly listeners: RealmListener[] = [];
  readonly authorizer: Authorizer;
  private readonly meta = new MetaApi();

  constructor(options: RealmOptions) {
    this.name = options.name;
    this.authorizer = options.authorizer ?? new Authorizer();
    this.dealer = new Dealer({
      limits: { maxCallsInFlight: options.limits.maxCallsInFlight, maxRegistrations: options.limits.maxRegistrations },
      logger: options.logger,
      events: {
        registrationCreated: (peer, registration) => this.meta.registrationCreated(peer, registration),
        registered: (peer, registration, registerOptions) => {
          this.meta.registered(peer, registration, registerOptions);
          for (const listener of this.listeners) listener.registered?.(peer, registration, registerOptions);
        },
        unregistered: (peer, registration) => {
          this.meta.unregistered(peer, registration);
          for (const listener of this.listeners) listener.unregistered?.(peer, registration);
        },
        registrationDeleted: (peer, registration) => this.meta.registrationDeleted(peer, registration),
      },
      random: options.random,
    });
    this.broker = new Broker({ maxSubscriptions: options.limits.maxSubscriptions, events: this.meta });
    this.internal = new InternalSession(options.internalSessionId, options.logger.child({ session: options.internalSessionId, internal: true }));
    this.internal.connect((peer, message) => this.dispatch(peer, message));
    this.meta.install(this);
  }

  /** Route one message from an established session; false when such a session may not send it. */
  dispatch(peer: Peer, message: Message): boolean {
    const handler = established[message.type] as Handler<MessageType> | undefined;
    if (handler === undefined || (message.type === 'ERROR' && message.requestType !== MessageCode.INVOCATION)) return false;
    handler(this, peer, message);
    return true;
  }

  /**
   * Whether the session may take this action on this URI; when not, it gets
   * wamp.error.not_authorized (a PUBLISH only when it asked for an acknowledgement).
   */
  permits(peer: Peer, action: AuthorizationAction, uri: string, requestType: number, requestId: number, answer = true, match?: unknown, invoke?: string): boolean {
    const permissions = peer.permissions;
    if (permissions === undefined) return true;
    // Any other match value is refused by the dealer or broker right after.
    const pattern = match === 'prefix' || match === 'wildcard' ? match : 'exact';
    if (permissions.allows(action, uri, pattern, invoke)) return true;
    if (answer) peer.send({ type: 'ERROR', requestType, requestId, details: {}, error: ErrorUri.notAuthorized, args: [permissions.refusal(action, uri, pattern, invoke)] });
    return false;
  }

  /** Register a router-side procedure (thoth.*, wamp.*) served by the internal session. */
  provide(procedure: string, handler: InternalProcedure): void {
    this.internal.register(procedure, handler);
  }

  join(peer: Peer): void {
    peer.permissions = this.authorizer.permissionsFor(peer.identity.authrole, peer.identity.authid);
    this.sessions.set(peer.id, peer);
    this.meta.sessionJoined(peer.summary);
  }

  leave(peer: Peer): void {
    if (!this.sessions.delete(peer.id)) return;
    this.dealer.sessionEnded(peer);
    this.broker.sessionEnded(peer);
    this.meta.sessionLeft(peer);
    for (const listener of this.listeners) listener.sessionLeft?.(peer);
  }
}
