import { connect, type Socket } from 'node:net';
import { within } from './deadline.js';
import { Conditions } from './conditions.js';

/**
 * A bare TCP (or Unix) socket to a RawSocket listener, for feeding it bytes no
 * client would send. Collects what comes back and notices when the peer hangs up.
 */
export class RawProbe {
  private received = Buffer.alloc(0);
  private readonly conditions = new Conditions();
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.conditions.changed();
    });
    socket.on('error', () => { /* a reset is one way the router may hang up; 'close' follows */ });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.ended = true;
      this.conditions.changed();
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
    await within(this.conditions.until(() => this.received.length >= count || this.ended), timeoutMs, what);
    if (this.received.length < count) throw new Error(`the router closed the connection after ${this.received.length} of ${count} bytes while we waited for ${what}`);
    return this.received.subarray(0, count);
  }

  /**
   * The RawSocket frames received after the 4-octet handshake reply, once at
   * least `count` have arrived (or the router hung up: then those there are).
   */
  async frames(count: number, what: string, timeoutMs = 5_000): Promise<RawFrame[]> {
    await within(this.conditions.until(() => splitFrames(this.received).length >= count || this.ended), timeoutMs, what);
    return splitFrames(this.received);
  }

  /** Resolves once the router has closed (or reset) the connection. */
  async waitForClose(what: string, timeoutMs = 5_000): Promise<void> {
    await within(this.closed, timeoutMs, what);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface RawFrame {
  /** 0 message, 1 ping, 2 pong. */
  type: number;
  payload: Buffer;
}

/** Complete frames after the handshake reply; a partial last frame is left out. */
function splitFrames(bytes: Buffer): RawFrame[] {
  const frames: RawFrame[] = [];
  let offset = 4;
  while (bytes.length >= offset + 4) {
    const length = bytes.readUIntBE(offset + 1, 3);
    if (bytes.length < offset + 4 + length) break;
    frames.push({ type: bytes[offset]! & 0x07, payload: bytes.subarray(offset + 4, offset + 4 + length) });
    offset += 4 + length;
  }
  return frames;
}

/** A RawSocket frame: 4-octet prefix (type, 24-bit length) and payload. */
export function frame(payload: Uint8Array, type = 0): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUIntBE(payload.length, 1, 3);
  return Buffer.concat([header, payload]);
}
