import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Message } from '../../src/protocol/messages.js';
import type { ParseAnswer } from '../../src/protocol/parse.js';
import type { CloseInfo, Connection, ConnectionHandler } from '../../src/transport/connection.js';

/** A ConnectionHandler that records everything and lets a test await it. */
export class Recorder implements ConnectionHandler {
  readonly messages: Message[] = [];
  readonly violations: { reason: string; answer: ParseAnswer | undefined }[] = [];
  readonly closes: CloseInfo[] = [];
  /** Anything called after closed(): must stay empty. */
  readonly afterClose: string[] = [];
  private readonly events = new EventEmitter();

  message(message: Message): void {
    if (this.closes.length > 0) this.afterClose.push(`message ${message.type}`);
    this.messages.push(message);
    this.events.emit('change');
  }

  violation(reason: string, answer?: ParseAnswer): void {
    if (this.closes.length > 0) this.afterClose.push(`violation ${reason}`);
    this.violations.push({ reason, answer });
    this.events.emit('change');
  }

  closed(info: CloseInfo): void {
    this.closes.push(info);
    this.events.emit('change');
  }

  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await once(this.events, 'change');
  }

  async messageCount(n: number): Promise<Message[]> {
    await this.until(() => this.messages.length >= n);
    return this.messages;
  }

  async closedInfo(): Promise<CloseInfo> {
    await this.until(() => this.closes.length > 0);
    return this.closes[0]!;
  }

  async violation1(): Promise<string> {
    await this.until(() => this.violations.length > 0);
    return this.violations[0]!.reason;
  }
}

export function attach(connection: Connection): Recorder {
  const recorder = new Recorder();
  connection.attach(recorder);
  return recorder;
}

/** The next connection a listener hands out. */
export function nextConnection(): { onConnection: (c: Connection) => void; next: () => Promise<Connection> } {
  const queue: Connection[] = [];
  const events = new EventEmitter();
  return {
    onConnection: (c) => {
      queue.push(c);
      events.emit('connection');
    },
    next: async () => {
      while (queue.length === 0) await once(events, 'connection');
      return queue.shift()!;
    },
  };
}

/** Collects what a raw socket receives; resolves reads of n bytes and the close. */
export class RawReader {
  private data = Buffer.alloc(0);
  private readonly events = new EventEmitter();
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.events.emit('change');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.events.emit('change');
    });
  }

  /** All bytes received so far. */
  get received(): Buffer {
    return this.data;
  }

  async read(n: number): Promise<Buffer> {
    while (this.data.length < n) {
      if (this.closed) throw new Error(`socket closed after ${this.data.length} of ${n} bytes`);
      await once(this.events, 'change');
    }
    const out = this.data.subarray(0, n);
    this.data = this.data.subarray(n);
    return out;
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await once(this.events, 'change');
  }
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'thoth-transport-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Let the event loop turn once (so a scheduled flush runs). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
