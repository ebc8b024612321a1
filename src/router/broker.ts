import { MessageCode, type Dict, type Publish, type Subscribe, type Unsubscribe, type Args, type Kwargs, type Payload } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import { randomId } from '../protocol/ids.js';
import { UriTable, type MatchPolicy } from './matcher.js';
import type { Peer } from './peer.js';
import { isReservedUri } from './reserved.js';

const matchPolicies: ReadonlySet<string> = new Set(['exact', 'prefix', 'wildcard']);

/** A topic (or pattern) and the sessions subscribed to it. */
export class Subscription {
  readonly subscribers = new Set<Peer>();
  readonly created = new Date().toISOString();
  constructor(
    readonly id: number,
    readonly uri: string,
    readonly match: MatchPolicy,
  ) {}
}

export interface BrokerEvents {
  subscriptionCreated(peer: Peer, subscription: Subscription): void;
  subscribed(peer: Peer, subscription: Subscription): void;
  unsubscribed(peer: Peer, subscription: Subscription): void;
  subscriptionDeleted(peer: Peer, subscription: Subscription): void;
}

export interface BrokerOptions {
  maxSubscriptions: number;
  events: BrokerEvents;
}

/** Pub/sub: subscriptions and the fan-out of each publication to the eligible subscribers. */
export class Broker {
  readonly table = new UriTable<Subscription>();
  readonly byId = new Map<number, Subscription>();
  private lastSubscriptionId = 0;

  constructor(private readonly options: BrokerOptions) {}

  subscribe(peer: Peer, msg: Subscribe): void {
    const match = msg.options['match'] ?? 'exact';
    if (typeof match !== 'string' || !matchPolicies.has(match)) {
      return replyError(peer, MessageCode.SUBSCRIBE, msg.requestId, ErrorUri.invalidArgument, `SUBSCRIBE: unknown match policy ${JSON.stringify(match)}`);
    }
    let subscription = this.table.get(msg.topic, match as MatchPolicy);
    if (subscription?.subscribers.has(peer)) {
      // The spec: subscribing again to the same topic answers with the same subscription.
      peer.send({ type: 'SUBSCRIBED', requestId: msg.requestId, subscriptionId: subscription.id });
      return;
    }
    if (peer.subscriptions.size >= this.options.maxSubscriptions) {
      return replyError(peer, MessageCode.SUBSCRIBE, msg.requestId, ErrorUri.tooManySubscriptions, `this session already holds the maximum of ${this.options.maxSubscriptions} subscriptions (limits.maxSubscriptions); unsubscribe one first`);
    }
    if (subscription === undefined) {
      this.lastSubscriptionId += 1;
      subscription = new Subscription(this.lastSubscriptionId, msg.topic, match as MatchPolicy);
      this.table.add(subscription);
      this.byId.set(subscription.id, subscription);
      this.options.events.subscriptionCreated(peer, subscription);
    }
    subscription.subscribers.add(peer);
    peer.subscriptions.add(subscription);
    peer.send({ type: 'SUBSCRIBED', requestId: msg.requestId, subscriptionId: subscription.id });
    this.options.events.subscribed(peer, subscription);
  }

  unsubscribe(peer: Peer, msg: Unsubscribe): void {
    const subscription = this.byId.get(msg.subscriptionId);
    if (subscription === undefined || !subscription.subscribers.has(peer)) {
      return replyError(peer, MessageCode.UNSUBSCRIBE, msg.requestId, ErrorUri.noSuchSubscription, `this session holds no subscription ${msg.subscriptionId}`);
    }
    this.removeSubscriber(peer, subscription);
    peer.send({ type: 'UNSUBSCRIBED', requestId: msg.requestId });
  }

  publish(publisher: Peer, msg: Publish): void {
    const acknowledge = msg.options['acknowledge'] === true;
    if (!publisher.isInternal && isReservedUri(msg.topic)) {
      if (acknowledge) replyError(publisher, MessageCode.PUBLISH, msg.requestId, ErrorUri.invalidUri, `topic "${msg.topic}" is in a namespace reserved for the router (wamp., thoth.)`);
      return;
    }
    const filter = eligibility(msg.options);
    if (typeof filter === 'string') {
      if (acknowledge) replyError(publisher, MessageCode.PUBLISH, msg.requestId, ErrorUri.invalidArgument, filter);
      return;
    }
    const publicationId = randomId();
    this.deliver(publisher, msg.topic, msg.options, filter, publicationId, msg);
    if (acknowledge) publisher.send({ type: 'PUBLISHED', requestId: msg.requestId, publicationId });
  }

  /** The router's own publications (meta events), from its internal session. */
  publishInternal(publisher: Peer, topic: string, args?: Args, kwargs?: Kwargs): void {
    this.deliver(publisher, topic, {}, noFilter, randomId(), { args, kwargs });
  }

  sessionEnded(peer: Peer): void {
    for (const subscription of [...peer.subscriptions]) this.removeSubscriber(peer, subscription);
  }

  private deliver(publisher: Peer, topic: string, options: Dict, filter: Filter, publicationId: number, { args, kwargs, raw }: Payload): void {
    const matches = this.table.all(topic);
    if (matches.length === 0) return;
    const excludeMe = options['exclude_me'] !== false;
    let publisherDetails: Dict | undefined;
    if (options['disclose_me'] === true) {
      publisherDetails = { publisher: publisher.id, publisher_authid: publisher.identity.authid, publisher_authrole: publisher.identity.authrole };
    }
    // A session subscribed through several patterns gets the event once per subscription, as the spec says.
    for (const subscription of matches) {
      const details: Dict = subscription.match === 'exact' ? {} : { topic };
      if (publisherDetails) Object.assign(details, publisherDetails);
      for (const subscriber of subscription.subscribers) {
        if (excludeMe && subscriber === publisher) continue;
        if (filter !== noFilter && !filter.allows(subscriber)) continue;
        subscriber.send({ type: 'EVENT', subscriptionId: subscription.id, publicationId, details, args, kwargs, raw });
      }
    }
  }

  private removeSubscriber(peer: Peer, subscription: Subscription): void {
    subscription.subscribers.delete(peer);
    peer.subscriptions.delete(subscription);
    this.options.events.unsubscribed(peer, subscription);
    if (subscription.subscribers.size === 0) {
      this.table.delete(subscription);
      this.byId.delete(subscription.id);
      this.options.events.subscriptionDeleted(peer, subscription);
    }
  }
}

interface Filter {
  allows(peer: Peer): boolean;
}

const noFilter: Filter = { allows: () => true };

const listOptions = ['eligible', 'exclude', 'eligible_authid', 'exclude_authid', 'eligible_authrole', 'exclude_authrole'] as const;

/** The publish options' black and white lists as one filter, or a message naming the bad option. */
function eligibility(options: Dict): Filter | string {
  const lists: Partial<Record<(typeof listOptions)[number], Set<unknown>>> = {};
  let any = false;
  for (const name of listOptions) {
    const value = options[name];
    if (value === undefined) continue;
    const wantNumbers = name === 'eligible' || name === 'exclude';
    if (!Array.isArray(value) || !value.every((v) => (wantNumbers ? Number.isInteger(v) : typeof v === 'string'))) {
      return `PUBLISH option "${name}" must be a list of ${wantNumbers ? 'session ids' : 'strings'}`;
    }
    lists[name] = new Set(value);
    any = true;
  }
  if (!any) return noFilter;
  return {
    allows(peer) {
      const { authid, authrole } = peer.identity;
      if (lists.eligible && !lists.eligible.has(peer.id)) return false;
      if (lists.eligible_authid && !lists.eligible_authid.has(authid)) return false;
      if (lists.eligible_authrole && !lists.eligible_authrole.has(authrole)) return false;
      if (lists.exclude?.has(peer.id)) return false;
      if (lists.exclude_authid?.has(authid)) return false;
      if (lists.exclude_authrole?.has(authrole)) return false;
      return true;
    },
  };
}

function replyError(peer: Peer, requestType: number, requestId: number, uri: string, message: string): void {
  peer.send({ type: 'ERROR', requestType, requestId, details: {}, error: uri, args: [message] });
}
