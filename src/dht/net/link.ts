import { connect, type Socket } from 'node:net';
import { PeerUnreachableError, RemoteError } from './errors.js';
import { encodeFrame, FrameReader } from './framing.js';
import { frameSchema, type PeerInfo, type Request } from './wire.js';

interface Pending {
  resolve(body: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The outgoing connection from this node to one peer address: requests go out, their
 * replies come back on it. Connects on creation; any socket error or close fails every
 * pending request with PeerUnreachableError and ends the link (the pool then drops it).
 */
export class Link {
  private readonly socket: Socket;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;
  private ended = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly self: PeerInfo,
    private readonly onEnd: (link: Link) => void,
  ) {
    this.socket = connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error) => this.end(`${host}:${port}: ${error.message}`));
    this.socket.on('close', () => this.end(`${host}:${port}: connection closed`));
  }

  get closed(): boolean {
    return this.ended;
  }

  request(body: Request, timeoutMs: number): Promise<unknown> {
    if (this.ended) return Promise.reject(new PeerUnreachableError(`${this.host}:${this.port}: connection closed`));
    const rid = this.nextRid++;
    if (this.nextRid > 2 ** 32) this.nextRid = 1;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new PeerUnreachableError(`${this.host}:${this.port}: no answer to ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rid, { resolve, reject, timer });
      this.socket.write(encodeFrame({ t: 'req', rid, from: this.self, body }));
    });
  }

  destroy(): void {
    this.socket.destroy();
    this.end('link destroyed');
  }

  private receive(chunk: Buffer): void {
    let values: unknown[];
    try {
      values = this.reader.push(chunk);
    } catch (error) {
      this.socket.destroy();
      this.end(`${this.host}:${this.port}: ${(error as Error).message}`);
      return;
    }
    for (const value of values) {
      const parsed = frameSchema.safeParse(value);
      if (!parsed.success || parsed.data.t === 'req') {
        this.socket.destroy();
        this.end(`${this.host}:${this.port}: malformed reply frame`);
        return;
      }
      const frame = parsed.data;
      const waiting = this.pending.get(frame.rid);
      if (waiting === undefined) continue;
      this.pending.delete(frame.rid);
      clearTimeout(waiting.timer);
      if (frame.t === 'res') waiting.resolve(frame.body);
      else waiting.reject(new RemoteError(frame.code, frame.message));
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new PeerUnreachableError(reason));
    }
    this.pending.clear();
    this.onEnd(this);
  }
}
