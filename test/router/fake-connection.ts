import type { Message, MessageOf, MessageType } from '../../src/protocol/messages.js';
import type { ParseAnswer } from '../../src/protocol/parse.js';
import type { CloseInfo, Connection, ConnectionHandler } from '../../src/transport/connection.js';
import type { ChannelBinding } from '../../src/transport/channel-binding.js';

/**
 * A Connection with no bytes: the test pushes typed messages in and awaits the
 * router's messages out. For unit tests of the router's routing rules; the wire
 * itself is tested with real transports elsewhere.
 */
export class FakeConnection implements Connection {
  readonly transport = 'memory' as const;
  readonly serializer = 'json' as const;
  readonly remoteAddress: string;
  readonly isLocal: boolean;
  readonly queuedBytes = 0;
  closed = false;
  closeInfo: CloseInfo | undefined;
  private handler: ConnectionHandler | undefined;
  private readonly inbox: Message[] = [];
  private readonly waiters: { accepts: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private readonly closeWaiters: (() => void)[] = [];

  private readonly maxBytes: number;
  readonly channelBinding: ChannelBinding | undefined;

  /** maxBytes: messages whose JSON is longer are refused by send(), as a real transport refuses oversized ones. channelBinding: as a TLS 1.3 connection has one. */
  constructor(options: { isLocal?: boolean; remoteAddress?: string; maxBytes?: number; channelBinding?: ChannelBinding } = {}) {
    this.isLocal = options.isLocal ?? true;
    this.channelBinding = options.channelBinding;
    this.maxBytes = options.maxBytes ?? Infinity;
    this.remoteAddress = options.remoteAddress ?? '127.0.0.1:1';
  }

  attach(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  send(message: Message): boolean {
    if (this.closed) return false;
    if (this.maxBytes !== Infinity && JSON.stringify(message).length > this.maxBytes) return false;
    const index = this.waiters.findIndex((w) => w.accepts(message));
    if (index !== -1) this.waiters.splice(index, 1)[0]!.resolve(message);
    else this.inbox.push(message);
    return true;
  }

  close(reason = 'closed'): void {
    this.finish({ code: 'closed', reason });
  }

  destroy(error?: Error): void {
    this.finish({ code: 'reset', reason: error?.message ?? 'destroyed', error });
  }

  /** The peer sends a message to the router. */
  deliver(message: Message): void {
    this.handler!.message(message);
  }

  /** The peer sends bytes that do not parse. */
  deliverGarbage(reason: string, answer?: ParseAnswer): void {
    this.handler!.violation(reason, answer);
  }

  /** The peer's socket drops (kill -9). */
  drop(): void {
    this.finish({ code: 'reset', reason: 'peer vanished' });
  }

  /** The next message the router sends (of a type, if given). */
  next<T extends MessageType>(type?: T): Promise<MessageOf<T>> {
    return this.nextMatching((m) => type === undefined || m.type === type) as Promise<MessageOf<T>>;
  }

  /** The next message the router sends that passes the test (others stay queued). */
  nextMatching(accepts: (m: Message) => boolean): Promise<Message> {
    const index = this.inbox.findIndex(accepts);
    if (index !== -1) return Promise.resolve(this.inbox.splice(index, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ accepts, resolve }));
  }

  /** Messages received and not yet taken. */
  pending(): Message[] {
    return [...this.inbox];
  }

  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.closeInfo = info;
    this.handler?.closed(info);
    for (const wake of this.closeWaiters.splice(0)) wake();
  }
}
