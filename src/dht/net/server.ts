import { createServer, type Server, type Socket } from 'node:net';
import { PeerChannel } from './secure/channel.js';
import type { OverlayCredentials } from './secure/credentials.js';
import { frameSchema, type PeerInfo, type Request } from './wire.js';

/** Answers one validated request; a thrown error with a string `code` becomes an `err` frame. */
export type RequestHandler = (from: PeerInfo, body: Request) => Promise<unknown>;

/**
 * The listening side of a node: each incoming frame is validated, handed to the handler,
 * and answered on the same connection. A frame that fails validation closes the connection.
 * With `security` every connection first passes the overlay handshake, and a request must
 * come from the node the handshake proved.
 */
export class NodeServer {
  private readonly server: Server;
  private readonly channels = new Set<PeerChannel>();

  constructor(private readonly handler: RequestHandler, private readonly security?: OverlayCredentials) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') reject(new Error('server has no TCP address'));
        else resolve(address.port);
      });
    });
  }

  /** Stop listening and drop every incoming connection at once. */
  destroy(): void {
    this.server.close();
    for (const channel of [...this.channels]) channel.destroy('node closed');
    this.channels.clear();
  }

  private accept(socket: Socket): void {
    const channel: PeerChannel = new PeerChannel(socket, { role: 'server', security: this.security }, {
      frame: (value) => this.receive(channel, value),
      close: () => this.channels.delete(channel),
    });
    this.channels.add(channel);
  }

  private receive(channel: PeerChannel, value: unknown): void {
    const parsed = frameSchema.safeParse(value);
    if (!parsed.success || parsed.data.t !== 'req') {
      channel.destroy('malformed request frame');
      return;
    }
    const { rid, from, body } = parsed.data;
    const proven = channel.peer?.node;
    if (proven !== undefined && from.id !== proven) {
      channel.refuse(`a request from ${from.id} on the connection of node ${proven}`);
      return;
    }
    const fail = (error: unknown) => channel.send({ t: 'err', rid, ...describe(error) });
    this.handler(from, body).then((result) => {
      try {
        channel.send({ t: 'res', rid, body: result });
      } catch (error) {
        fail(error);
      }
    }, fail);
  }
}

function describe(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code.slice(0, 100) : 'DHT_INTERNAL', message: message.slice(0, 2000) };
}
