import type { Args, Dict, Kwargs, MessageOf } from '../protocol/messages.js';
import { assertUri, RemoteError, sendFailed } from './errors.js';
import { PendingEntry, PendingRequests } from './pending.js';
import type { RoleContext } from './role-context.js';

/** Options of {@link Session.publish}. */
export interface PublishOptions {
  /** Wait for the router's PUBLISHED (or ERROR). Default false: resolve once sent. */
  acknowledge?: boolean;
  /** Leave this session out even when subscribed. WAMP's default is true. */
  excludeMe?: boolean;
  /** Session ids that must not receive the event. */
  exclude?: number[];
  /** Only these session ids may receive the event. */
  eligible?: number[];
  /** Ask the router to disclose this session to subscribers. */
  discloseMe?: boolean;
}

/** An acknowledged publication. */
export interface Publication {
  /** PUBLISHED.Publication */
  id: number;
}

/** The publisher role: PUBLISH out; PUBLISHED, ERROR in (when acknowledged). */
export class Publisher {
  private readonly pending: PendingRequests<Publication>;

  constructor(private readonly ctx: RoleContext) {
    this.pending = new PendingRequests<Publication>({ clock: ctx.clock, nextId: () => ctx.nextId() });
  }

  async publish(topic: string, args: Args = [], kwargs: Kwargs = {}, options: PublishOptions = {}): Promise<Publication | undefined> {
    this.ctx.assertOpen();
    assertUri('topic', topic);
    const wire: Dict = {};
    if (options.acknowledge === true) wire['acknowledge'] = true;
    if (options.excludeMe !== undefined) wire['exclude_me'] = options.excludeMe;
    if (options.exclude !== undefined) wire['exclude'] = options.exclude;
    if (options.eligible !== undefined) wire['eligible'] = options.eligible;
    if (options.discloseMe !== undefined) wire['disclose_me'] = options.discloseMe;
    if (options.acknowledge !== true) {
      if (!this.ctx.send({ type: 'PUBLISH', requestId: this.ctx.nextId(), options: wire, topic, args, kwargs })) {
        throw sendFailed(`PUBLISH ${topic}`);
      }
      return undefined;
    }
    const entry = new PendingEntry<Publication>();
    const promise = this.pending.open(entry);
    if (!this.ctx.send({ type: 'PUBLISH', requestId: entry.id, options: wire, topic, args, kwargs })) {
      this.pending.reject(entry.id, sendFailed(`PUBLISH ${topic}`));
    }
    return promise;
  }

  onPublished(message: MessageOf<'PUBLISHED'>): void {
    if (!this.pending.resolve(message.requestId, { id: message.publicationId })) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'PUBLISHED for no pending PUBLISH; ignored');
    }
  }

  onError(message: MessageOf<'ERROR'>): void {
    const error = new RemoteError(message.error, message.args ?? [], message.kwargs ?? {}, message.details);
    if (!this.pending.reject(message.requestId, error)) {
      this.ctx.logger.debug({ requestId: message.requestId, error: message.error }, 'ERROR for no pending PUBLISH; ignored');
    }
  }

  rejectAll(error: Error): void {
    this.pending.rejectAll(error);
  }
}
