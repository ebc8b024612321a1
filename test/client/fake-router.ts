import type { Message, MessageOf, MessageType } from '../../src/protocol/messages.js';
import type { CloseInfo, Connection } from '../../src/transport/connection.js';
import { createMemoryPair } from '../../src/transport/index.js';
import type { TransportConnector } from '../../src/client/index.js';

export interface FakeRouterOptions {
  /** Answer HELLO with WELCOME at once (default true). */
  welcome?: boolean;
  /** Answer GOODBYE with GOODBYE at once (default true). */
  goodbye?: boolean;
  sessionId?: number;
}

/**
 * The router end of a memory pair, scripted by a test: answers HELLO with
 * WELCOME, records every message, hands them out in order, and sends what the
 * test pushes.
 */
export class FakeRouter {
  readonly received: Message[] = [];
  /** Bytes from the client that did not parse (there should be none). */
  readonly violations: string[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly sessionId: number;
  private cursor = 0;
  private waiter: (() => void) | undefined;
  private isClosed = false;

  constructor(readonly connection: Connection, private readonly options: FakeRouterOptions = {}) {
    this.sessionId = options.sessionId ?? 1001;
    let onClosed!: (info: CloseInfo) => void;
    this.closed = new Promise((resolve) => { onClosed = resolve; });
    connection.attach({
      message: (message) => {
        this.received.push(message);
        if (message.type === 'HELLO' && this.options.welcome !== false) this.welcome();
        if (message.type === 'GOODBYE' && this.options.goodbye !== false && message.reason !== 'wamp.close.goodbye_and_out') {
          this.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
        }
        this.wake();
      },
      violation: (reason) => {
        this.violations.push(reason);
        this.wake();
      },
      closed: (info) => {
        this.isClosed = true;
        onClosed(info);
        this.wake();
      },
    });
  }

  welcome(details: Record<string, unknown> = {}): void {
    this.send({ type: 'WELCOME', sessionId: this.sessionId, details: { roles: { dealer: {}, broker: {} }, ...details } });
  }

  send(message: Message): void {
    this.connection.send(message);
  }

  /** The next message the client sent (in order, each handed out once). */
  async next(): Promise<Message> {
    while (this.cursor >= this.received.length) {
      if (this.violations.length > 0) throw new Error(`fake router: the client sent an invalid message: ${this.violations.join('; ')}`);
      if (this.isClosed) throw new Error('fake router: connection closed while waiting for a message');
      await new Promise<void>((resolve) => { this.waiter = resolve; });
    }
    return this.received[this.cursor++]!;
  }

  /** The next message, which must be of `type`. */
  async expect<T extends MessageType>(type: T): Promise<MessageOf<T>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`fake router: expected ${type}, got ${JSON.stringify(message)}`);
    return message as MessageOf<T>;
  }

  /** Messages received and not yet handed out by next()/expect(). */
  unread(): Message[] {
    return this.received.slice(this.cursor);
  }

  /** Drop the connection (a crash, not a GOODBYE). */
  drop(): void {
    this.connection.destroy();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/**
 * A connectTransport for tests: each connection attempt makes a memory pair
 * and a FakeRouter on its far end; `refuse` makes the next attempts fail.
 */
export class FakeNetwork {
  readonly routers: FakeRouter[] = [];
  readonly urls: string[] = [];
  refuse = 0;
  private waiter: (() => void) | undefined;
  private nextSessionId = 1001;

  constructor(private readonly options: FakeRouterOptions = {}) {}

  readonly connect: TransportConnector = async (url, options) => {
    this.urls.push(url);
    if (this.refuse > 0) {
      this.refuse -= 1;
      this.wake();
      throw new Error('connection refused (fake)');
    }
    const [client, server] = createMemoryPair(options.serializer ?? 'json');
    this.routers.push(new FakeRouter(server, { sessionId: this.nextSessionId++, ...this.options }));
    this.wake();
    return client;
  };

  /** The router of connection attempt `index` (0-based), once it exists. */
  async router(index: number): Promise<FakeRouter> {
    while (this.routers.length <= index) await new Promise<void>((resolve) => { this.waiter = resolve; });
    return this.routers[index]!;
  }

  /** Resolves once `count` connection attempts were made. */
  async attempts(count: number): Promise<void> {
    while (this.urls.length < count) await new Promise<void>((resolve) => { this.waiter = resolve; });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
