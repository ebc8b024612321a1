import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled fake player (test/plugins/fixtures/fake-player.ts). */
export const fakePlayerPath = fileURLToPath(new URL('./fixtures/fake-player.js', import.meta.url));

/** One running fake player, as it reported itself. */
export interface FakePlayer {
  pid: number;
  /** Its arguments after the script: [socket, ...options, file]. */
  argv: string[];
  /** Ask it to exit by itself with `code`. */
  exit(code: number): void;
  /** Resolves when the process is gone (its connection closed). */
  gone: Promise<void>;
}

/** A Unix socket server the fake players report to; next() is the next player that started. */
export class PlayerProbe {
  private readonly arrived: FakePlayer[] = [];
  private readonly waiting: Array<(player: FakePlayer) => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly socketPath: string) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(dir: string): Promise<PlayerProbe> {
    const socketPath = join(dir, 'players.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    return new PlayerProbe(server, socketPath);
  }

  /** The player command for the media plugin's config. */
  player(...options: string[]): string[] {
    return [process.execPath, fakePlayerPath, this.socketPath, ...options];
  }

  next(): Promise<FakePlayer> {
    const player = this.arrived.shift();
    if (player !== undefined) return Promise.resolve(player);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stop listening; players still connected lose their connection and exit. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const gone = new Promise<void>((resolve) => socket.on('close', () => {
      this.sockets.delete(socket);
      resolve();
    }));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    let buffered = '';
    const onData = (chunk: string): void => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      socket.off('data', onData);
      const hello = JSON.parse(buffered.slice(0, end)) as { pid: number; argv: string[] };
      const player: FakePlayer = { ...hello, gone, exit: (code) => socket.write(`exit ${code}\n`) };
      const waiter = this.waiting.shift();
      if (waiter !== undefined) waiter(player);
      else this.arrived.push(player);
    };
    socket.on('data', onData);
  }
}
