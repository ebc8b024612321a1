import type { Args, Dict, Kwargs } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Broker, BrokerEvents, Subscription } from './broker.js';
import type { Dealer, DealerEvents, Registration } from './dealer.js';
import { ProcedureError, type InternalSession } from './internal-session.js';
import type { Peer, SessionSummary } from './peer.js';
import type { MatchPolicy } from './matcher.js';

/** What the meta API reads: the realm's live state. */
export interface MetaSource {
  readonly dealer: Dealer;
  readonly broker: Broker;
  readonly sessions: ReadonlyMap<number, Peer>;
  readonly internal: InternalSession;
}

/**
 * The WAMP session, registration and subscription meta API: procedures registered
 * by the realm's internal session, events published by it.
 */
export class MetaApi implements DealerEvents, BrokerEvents {
  private source: MetaSource | undefined;

  /** Called once the realm is built; events before that (none are expected) are dropped. */
  install(source: MetaSource): void {
    this.source = source;
    const { internal } = source;
    const proc = (name: string, handler: (args: Args, kwargs: Kwargs) => unknown): void => internal.register(name, handler);

    proc('wamp.session.count', (args) => this.sessionsFiltered(args[0]).length);
    proc('wamp.session.list', (args) => this.sessionsFiltered(args[0]).map((s) => s.id));
    proc('wamp.session.get', (args) => this.session(args[0]).summary);

    proc('wamp.registration.list', () => listByMatch(source.dealer.byId.values()));
    proc('wamp.registration.lookup', (args) => source.dealer.table.get(uriArg(args[0]), matchOption(args[1]))?.id ?? null);
    proc('wamp.registration.match', (args) => source.dealer.table.best(uriArg(args[0]))?.id ?? null);
    proc('wamp.registration.get', (args) => describeRegistration(this.registration(args[0])));
    proc('wamp.registration.list_callees', (args) => this.registration(args[0]).callees.map((p) => p.id));
    proc('wamp.registration.count_callees', (args) => this.registration(args[0]).callees.length);

    proc('wamp.subscription.list', () => listByMatch(source.broker.byId.values()));
    proc('wamp.subscription.lookup', (args) => source.broker.table.get(uriArg(args[0]), matchOption(args[1]))?.id ?? null);
    proc('wamp.subscription.match', (args) => {
      const found = source.broker.table.all(uriArg(args[0]));
      return found.length === 0 ? null : found.map((s) => s.id);
    });
    proc('wamp.subscription.get', (args) => describeSubscription(this.subscription(args[0])));
    proc('wamp.subscription.list_subscribers', (args) => [...this.subscription(args[0]).subscribers].map((p) => p.id));
    proc('wamp.subscription.count_subscribers', (args) => this.subscription(args[0]).subscribers.size);
  }

  sessionJoined(summary: SessionSummary): void {
    this.publish('wamp.session.on_join', [summary]);
  }

  sessionLeft(peer: Peer): void {
    this.publish('wamp.session.on_leave', [peer.id, peer.identity.authid, peer.identity.authrole]);
  }

  registrationCreated(peer: Peer, registration: Registration): void {
    this.publish('wamp.registration.on_create', [peer.id, describeRegistration(registration)]);
  }
  registered(peer: Peer, registration: Registration, _options: Dict): void {
    this.publish('wamp.registration.on_register', [peer.id, registration.id]);
  }
  unregistered(peer: Peer, registration: Registration): void {
    this.publish('wamp.registration.on_unregister', [peer.id, registration.id]);
  }
  registrationDeleted(peer: Peer, registration: Registration): void {
    this.publish('wamp.registration.on_delete', [peer.id, registration.id]);
  }
  subscriptionCreated(peer: Peer, subscription: Subscription): void {
    this.publish('wamp.subscription.on_create', [peer.id, describeSubscription(subscription)]);
  }
  subscribed(peer: Peer, subscription: Subscription): void {
    this.publish('wamp.subscription.on_subscribe', [peer.id, subscription.id]);
  }
  unsubscribed(peer: Peer, subscription: Subscription): void {
    this.publish('wamp.subscription.on_unsubscribe', [peer.id, subscription.id]);
  }
  subscriptionDeleted(peer: Peer, subscription: Subscription): void {
    this.publish('wamp.subscription.on_delete', [peer.id, subscription.id]);
  }

  private publish(topic: string, args: Args): void {
    if (this.source === undefined) return;
    this.source.broker.publishInternal(this.source.internal, topic, args);
  }

  private sessionsFiltered(roles: unknown): Peer[] {
    const all = [...this.source!.sessions.values()];
    if (roles === undefined || roles === null) return all;
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
      throw new ProcedureError(ErrorUri.invalidArgument, 'filter_authroles must be a list of role names');
    }
    return all.filter((s) => roles.includes(s.identity.authrole));
  }

  private session(id: unknown): Peer {
    const session = typeof id === 'number' ? this.source!.sessions.get(id) : undefined;
    if (session === undefined) throw new ProcedureError(ErrorUri.noSuchSession, `no session ${JSON.stringify(id)}`);
    return session;
  }

  private registration(id: unknown): Registration {
    const found = typeof id === 'number' ? this.source!.dealer.byId.get(id) : undefined;
    if (found === undefined) throw new ProcedureError(ErrorUri.noSuchRegistration, `no registration ${JSON.stringify(id)}`);
    return found;
  }

  private subscription(id: unknown): Subscription {
    const found = typeof id === 'number' ? this.source!.broker.byId.get(id) : undefined;
    if (found === undefined) throw new ProcedureError(ErrorUri.noSuchSubscription, `no subscription ${JSON.stringify(id)}`);
    return found;
  }
}

function uriArg(value: unknown): string {
  if (typeof value !== 'string') throw new ProcedureError(ErrorUri.invalidArgument, 'the first argument must be a URI string');
  return value;
}

function matchOption(options: unknown): MatchPolicy {
  if (options === undefined || options === null) return 'exact';
  const match = typeof options === 'object' ? (options as Record<string, unknown>)['match'] : undefined;
  if (match === undefined) return 'exact';
  if (match === 'exact' || match === 'prefix' || match === 'wildcard') return match;
  throw new ProcedureError(ErrorUri.invalidArgument, `unknown match policy ${JSON.stringify(match)}`);
}

function listByMatch(entries: Iterable<{ id: number; match: MatchPolicy }>): Record<MatchPolicy, number[]> {
  const out: Record<MatchPolicy, number[]> = { exact: [], prefix: [], wildcard: [] };
  for (const e of entries) out[e.match].push(e.id);
  return out;
}

function describeRegistration(r: Registration): Record<string, unknown> {
  return { id: r.id, created: r.created, uri: r.uri, match: r.match, invoke: r.invoke };
}

function describeSubscription(s: Subscription): Record<string, unknown> {
  return { id: s.id, created: s.created, uri: s.uri, match: s.match };
}
