import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameReader } from './framing.js';
import { frameSchema, type PeerInfo, type Request } from './wire.js';

/** Answers one validated request; a thrown error with a string `code` becomes an `err` frame. */
export type RequestHandler = (from: PeerInfo, body: Request) => Promise<unknown>;

/**
 * The listening side of a node: each incoming frame is validated, handed to the handler,
 * and answered on the same socket. A frame that fails validation closes the socket.
 */
export class NodeServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly handler: RequestHandler) {
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
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader();
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let values: unknown[];
      try {
        values = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const value of values) {
        const parsed = frameSchema.safeParse(value);
        if (!parsed.success || parsed.data.t !== 'req') {
          socket.destroy();
          return;
        }
        const { rid, from, body } = parsed.data;
        this.handler(from, body).then(
          (result) => reply(socket, { t: 'res', rid, body: result }),
          (error: unknown) => reply(socket, { t: 'err', rid, ...describe(error) }),
        );
      }
    });
  }
}

function reply(socket: Socket, frame: unknown): void {
  if (!socket.destroyed) socket.write(encodeFrame(frame));
}

function describe(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code.slice(0, 100) : 'DHT_INTERNAL', message: message.slice(0, 2000) };
}
