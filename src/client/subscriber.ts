import type { Args, Dict, Kwargs, MessageOf } from '../protocol/messages.js';
import type { MatchPolicy } from '../protocol/uri.js';
import type { RestoreFailure } from './callee.js';
import { assertUri, ClientError, RemoteError, sendFailed } from './errors.js';
import { EntryWith, PendingEntry, PendingRequests } from './pending.js';
import type { RoleContext } from './role-context.js';

/** What a subscriber learns about one event. */
export interface EventDetails {
  /** The topic published to: the concrete URI even for a pattern subscription. */
  readonly topic: string;
  readonly publicationId: number;
  readonly subscriptionId: number;
  /** The publisher's session id, when it disclosed itself. */
  readonly publisher: number | undefined;
  readonly publisherAuthid: string | undefined;
  readonly publisherAuthrole: string | undefined;
  /** EVENT.Details as the router sent them. */
  readonly raw: Dict;
}

/** Receives events. A throw (or rejection) is logged, never sent anywhere. */
export type EventHandler = (args: Args, kwargs: Kwargs, details: EventDetails) => void | Promise<void>;

/** Options of {@link Session.subscribe}. */
export interface SubscribeOptions {
  /** Pattern-based subscription. Default 'exact'. */
  match?: MatchPolicy;
}

interface SubscriptionRecord {
  topic: string;
  handler: EventHandler;
  options: SubscribeOptions;
  id: number;
  active: boolean;
}

/**
 * A topic this session listens to. Stays valid across reconnects (the SDK
 * subscribes again; `id` changes) until unsubscribe() or close().
 */
export class Subscription {
  /** @internal */
  constructor(private readonly record: SubscriptionRecord, private readonly remove: (record: SubscriptionRecord) => Promise<void>) {}

  /** The router's subscription id (a new one after each reconnect; shared by subscriptions to the same topic). */
  get id(): number {
    return this.record.id;
  }

  /** The topic URI or pattern subscribed to. */
  get topic(): string {
    return this.record.topic;
  }

  /** False after unsubscribe(), close(), or a revocation by the router. */
  get active(): boolean {
    return this.record.active;
  }

  /** Stop receiving events. Calling it again does nothing. Rejects after close(). */
  unsubscribe(): Promise<void> {
    return this.remove(this.record);
  }
}

/**
 * The subscriber role: SUBSCRIBE, UNSUBSCRIBE out; EVENT in. Several local
 * subscriptions to one topic share the router's subscription id; UNSUBSCRIBE
 * goes out when the last of them ends.
 */
export class Subscriber {
  private readonly records = new Set<SubscriptionRecord>();
  private readonly byId = new Map<number, Set<SubscriptionRecord>>();
  private readonly subscribing: PendingRequests<number, EntryWith<number, SubscriptionRecord>>;
  private readonly unsubscribing: PendingRequests<void>;

  constructor(private readonly ctx: RoleContext) {
    const common = { clock: ctx.clock, nextId: () => ctx.nextId() };
    this.subscribing = new PendingRequests(common);
    this.unsubscribing = new PendingRequests(common);
  }

  async subscribe(topic: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.ctx.assertOpen();
    assertUri('topic', topic, options.match ?? 'exact');
    const record: SubscriptionRecord = { topic, handler, options, id: 0, active: false };
    await this.sendSubscribe(record);
    record.active = true;
    this.records.add(record);
    return new Subscription(record, (r) => this.unsubscribe(r));
  }

  /** Subscribe every kept subscription again on a new connection. */
  async restore(): Promise<RestoreFailure[]> {
    const failures: RestoreFailure[] = [];
    await Promise.all([...this.records].map(async (record) => {
      try {
        await this.sendSubscribe(record);
      } catch (error) {
        if (error instanceof ClientError && (error.code === 'disconnected' || error.code === 'closed')) return;
        record.active = false;
        this.records.delete(record);
        this.detach(record);
        failures.push({ uri: record.topic, error: error as Error });
      }
    }));
    return failures;
  }

  onSubscribed(message: MessageOf<'SUBSCRIBED'>): void {
    const record = this.subscribing.get(message.requestId)?.meta;
    if (record === undefined) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'SUBSCRIBED for no pending SUBSCRIBE; ignored');
      return;
    }
    record.id = message.subscriptionId;
    let set = this.byId.get(record.id);
    if (set === undefined) {
      set = new Set();
      this.byId.set(record.id, set);
    }
    set.add(record);
    this.subscribing.resolve(message.requestId, record.id);
  }

  onUnsubscribed(message: MessageOf<'UNSUBSCRIBED'>): void {
    if (message.requestId === 0) {
      this.revoked(message.details ?? {});
      return;
    }
    if (!this.unsubscribing.resolve(message.requestId, undefined)) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'UNSUBSCRIBED for no pending UNSUBSCRIBE; ignored');
    }
  }

  /** ERROR answering SUBSCRIBE or UNSUBSCRIBE. */
  onError(message: MessageOf<'ERROR'>): void {
    const error = new RemoteError(message.error, message.args ?? [], message.kwargs ?? {}, message.details);
    const pending = this.subscribing.has(message.requestId) ? this.subscribing : this.unsubscribing;
    if (!pending.reject(message.requestId, error)) {
      this.ctx.logger.debug({ requestId: message.requestId, error: message.error }, 'ERROR for no pending (UN)SUBSCRIBE; ignored');
    }
  }

  onEvent(message: MessageOf<'EVENT'>): void {
    const set = this.byId.get(message.subscriptionId);
    if (set === undefined) {
      this.ctx.logger.debug({ subscriptionId: message.subscriptionId }, 'EVENT for an unknown subscription; ignored');
      return;
    }
    const raw = message.details;
    const args = message.args ?? [];
    const kwargs = message.kwargs ?? {};
    for (const record of [...set]) {
      const details: EventDetails = {
        topic: typeof raw['topic'] === 'string' ? raw['topic'] : record.topic,
        publicationId: message.publicationId,
        subscriptionId: message.subscriptionId,
        publisher: typeof raw['publisher'] === 'number' ? raw['publisher'] : undefined,
        publisherAuthid: typeof raw['publisher_authid'] === 'string' ? raw['publisher_authid'] : undefined,
        publisherAuthrole: typeof raw['publisher_authrole'] === 'string' ? raw['publisher_authrole'] : undefined,
        raw,
      };
      this.deliver(record, args, kwargs, details);
    }
  }

  disconnected(error: Error): void {
    this.subscribing.rejectAll(error);
    this.unsubscribing.resolveAll(undefined);
    this.byId.clear();
  }

  closed(error: Error): void {
    this.disconnected(error);
    for (const record of this.records) record.active = false;
    this.records.clear();
  }

  private deliver(record: SubscriptionRecord, args: Args, kwargs: Kwargs, details: EventDetails): void {
    try {
      const returned = record.handler(args, kwargs, details);
      if (returned instanceof Promise) returned.catch((error: unknown) => this.handlerFailed(error, details.topic));
    } catch (error) {
      this.handlerFailed(error, details.topic);
    }
  }

  private handlerFailed(error: unknown, topic: string): void {
    this.ctx.logger.error({ err: error, topic }, 'event handler failed');
  }

  private async sendSubscribe(record: SubscriptionRecord): Promise<void> {
    const options: Dict = {};
    if (record.options.match !== undefined && record.options.match !== 'exact') options['match'] = record.options.match;
    const entry = new EntryWith<number, SubscriptionRecord>(record);
    const promise = this.subscribing.open(entry);
    if (!this.ctx.send({ type: 'SUBSCRIBE', requestId: entry.id, options, topic: record.topic })) {
      this.subscribing.reject(entry.id, sendFailed(`SUBSCRIBE ${record.topic}`));
    }
    await promise;
  }

  private async unsubscribe(record: SubscriptionRecord): Promise<void> {
    if (this.ctx.isClosed()) throw new ClientError('closed', `cannot unsubscribe from ${record.topic}: the session is closed`);
    if (!record.active) return;
    record.active = false;
    this.records.delete(record);
    const lastOne = this.detach(record);
    if (!lastOne) return;
    try {
      this.ctx.assertOpen();
    } catch {
      return; // reconnecting: it simply is not subscribed again
    }
    const entry = new PendingEntry<void>();
    const promise = this.unsubscribing.open(entry);
    if (!this.ctx.send({ type: 'UNSUBSCRIBE', requestId: entry.id, subscriptionId: record.id })) {
      this.unsubscribing.reject(entry.id, sendFailed(`UNSUBSCRIBE ${record.topic}`));
    }
    await promise;
  }

  /** Remove a record from its id's set; true when it was the last one on a live subscription. */
  private detach(record: SubscriptionRecord): boolean {
    const set = this.byId.get(record.id);
    if (set === undefined || !set.delete(record)) return false;
    if (set.size > 0) return false;
    this.byId.delete(record.id);
    return true;
  }

  private revoked(details: Dict): void {
    const subscriptionId = details['subscription'];
    const set = typeof subscriptionId === 'number' ? this.byId.get(subscriptionId) : undefined;
    if (set === undefined || typeof subscriptionId !== 'number') {
      this.ctx.logger.debug({ details }, 'router revoked an unknown subscription; ignored');
      return;
    }
    this.ctx.logger.warn({ subscriptionId, reason: details['reason'] }, 'the router revoked a subscription');
    for (const record of set) {
      record.active = false;
      this.records.delete(record);
    }
    this.byId.delete(subscriptionId);
  }
}
