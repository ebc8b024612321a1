import { connect, type Socket } from 'node:net';
import { within } from './deadline.js';

/**
 * A bare TCP (or Unix) socket to a RawSocket listener, for feeding it bytes no
 * client would send. Collects what comes back and notices when the peer hangs up.
 */
export class RawProbe {
  private received = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('error', () => { /* a reset is one way the router may hang up; 'close' follows */ });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.ended = true;
      this.wake();
      resolve();
    }));
  }

  /** `url` is tcp://host:port or unix:///path. */
  static async open(url: string): Promise<RawProbe> {
    const parsed = new URL(url);
    const socket = parsed.protocol === 'unix:'
      ? connect(parsed.pathname)
      : connect(Number(parsed.port), parsed.hostname);
    await within(new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }), 5_000, `a TCP connection to ${url}`);
    return new RawProbe(socket);
  }

  get bytes(): Buffer {
    return this.received;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first `count` bytes received; fails if the peer hangs up first. */
  async read(count: number, what: string, timeoutMs = 5_000): Promise<Buffer> {
    await within(this.until(() => this.received.length >= count || this.ended), timeoutMs, what);
    if (this.received.length < count) throw new Error(`the router closed the connection after ${this.received.length} of ${count} bytes while we waited for ${what}`);
    return this.received.subarray(0, count);
  }

  /** Resolves once the router has closed (or reset) the connection. */
  async waitForClose(what: string, timeoutMs = 5_000): Promise<void> {
    await within(this.closed, timeoutMs, what);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
