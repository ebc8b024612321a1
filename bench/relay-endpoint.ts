import net from 'node:net';
import { once } from 'node:events';
import type { Serializer } from '../src/codec/serializer.js';
import { FrameScanner, frameHeader } from './relay-frame.js';

/**
 * One end of the baseline: a TCP connection to the relay that sends and
 * receives length-prefixed frames whose bodies are `[id, args]` encoded with a
 * thoth serializer, so the endpoints do the same encode/decode work as the SDK.
 * Writes made in one tick go out together (cork, uncork on nextTick).
 */
export class RelayEndpoint {
  private corked = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly serializer: Serializer,
  ) {}

  static async connect(port: number, serializer: Serializer, onMessage: (id: number, args: unknown[]) => void): Promise<RelayEndpoint> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    const endpoint = new RelayEndpoint(socket, serializer);
    const scanner = new FrameScanner();
    const onFrame = (body: Buffer): void => {
      const decoded = serializer.decode(body);
      if (!Array.isArray(decoded) || typeof decoded[0] !== 'number' || !Array.isArray(decoded[1])) throw new Error('bad relay frame');
      onMessage(decoded[0], decoded[1] as unknown[]);
    };
    socket.on('data', (chunk: Buffer) => scanner.push(chunk, onFrame));
    return endpoint;
  }

  send(id: number, args: unknown[]): void {
    const body = this.serializer.encode([id, args]);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frameHeader(body.length));
    this.socket.write(body);
  }

  close(): void {
    this.socket.end();
  }
}
