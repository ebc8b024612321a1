import { connect } from 'node:net';
import { PeerUnreachableError, RemoteError } from './errors.js';
import { PeerChannel } from './secure/channel.js';
import type { OverlayCredentials } from './secure/credentials.js';
import { frameSchema, type PeerInfo, type Request } from './wire.js';

interface Pending {
  resolve(body: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The outgoing connection from this node to one peer address: requests go out, their
 * replies come back on it. Connects on creation (with `security`, through the overlay
 * handshake); any socket error, refusal or close fails every pending request with
 * PeerUnreachableError and ends the link (the pool then drops it).
 */
export class Link {
  private readonly channel: PeerChannel;
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;
  private ended = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly self: PeerInfo,
    private readonly onEnd: (link: Link) => void,
    security?: OverlayCredentials,
  ) {
    this.channel = new PeerChannel(connect({ host, port }), { role: 'client', security }, {
      frame: (value) => this.receive(value),
      close: (reason) => this.end(`${host}:${port}: ${reason}`),
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** In an authenticated overlay, the node the handshake proved (once it is done). */
  get provenNode(): string | undefined {
    return this.channel.peer?.node;
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
      try {
        this.channel.send({ t: 'req', rid, from: this.self, body });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(rid);
        reject(error);
      }
    });
  }

  destroy(): void {
    this.channel.destroy('link destroyed');
  }

  private receive(value: unknown): void {
    const parsed = frameSchema.safeParse(value);
    if (!parsed.success || parsed.data.t === 'req') {
      this.channel.destroy('malformed reply frame');
      return;
    }
    const frame = parsed.data;
    const waiting = this.pending.get(frame.rid);
    if (waiting === undefined) return;
    this.pending.delete(frame.rid);
    clearTimeout(waiting.timer);
    if (frame.t === 'res') waiting.resolve(frame.body);
    else waiting.reject(new RemoteError(frame.code, frame.message));
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
