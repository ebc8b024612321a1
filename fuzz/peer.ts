/**
 * A fuzzing client over a bare TCP socket: it does the transport handshake itself
 * (RawSocket octets or a hand-written HTTP upgrade), then writes whatever bytes it
 * is given, and reads back what the router says (WAMP messages, a WebSocket close
 * frame, the hang-up).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { serializers, type SerializerName } from '../src/codec/index.js';
import { encodeFrame, FrameType, RawSocketFramer } from '../src/transport/rawsocket-framer.js';
import { encodeHandshake } from '../src/transport/rawsocket-handshake.js';
import { Conditions, within } from './conditions.js';
import { encodeClientFrame, splitServerFrames, WsOpcode } from './ws-frames.js';

export type Wire = 'rawsocket' | 'websocket';

export const WAIT_MS = 5_000;
const MAX_FRAME = 2 ** 24;

export interface WsClose {
  code: number;
  reason: string;
}

export class FuzzPeer {
  /** WAMP messages from the router, decoded, in order. */
  readonly messages: unknown[] = [];
  /** Frames from the router that did not decode: the router must never send one. */
  readonly garbled: string[] = [];
  /** Every byte received, handshake reply included. */
  received = Buffer.alloc(0);
  wsClose: WsClose | undefined;
  ended = false;
  private readonly conditions = new Conditions();
  private readonly closedPromise: Promise<void>;
  private handshaken = false;
  private wsBuffer = Buffer.alloc(0);
  private readonly framer: RawSocketFramer;

  private constructor(
    readonly socket: Socket,
    readonly wire: Wire,
    readonly serializer: SerializerName,
  ) {
    this.framer = new RawSocketFramer(MAX_FRAME, {
      frame: (type, bytes, start, end) => {
        if (type === FrameType.message) this.decode(bytes.subarray(start, end));
      },
      refuse: (_refusal, reason) => this.garbled.push(`router sent a bad RawSocket frame: ${reason}`),
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => { /* a reset is one way to hang up; 'close' follows */ });
    this.closedPromise = new Promise((resolve) => socket.once('close', () => {
      this.ended = true;
      this.conditions.changed();
      resolve();
    }));
  }

  /** A bare TCP connection, no handshake yet. */
  static async connect(port: number, wire: Wire, serializer: SerializerName): Promise<FuzzPeer> {
    const socket = connect(port, '127.0.0.1');
    await within(new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }), WAIT_MS, `a TCP connection to port ${port}`);
    socket.setNoDelay(true);
    return new FuzzPeer(socket, wire, serializer);
  }

  /** Connected and past the transport handshake. */
  static async open(port: number, wire: Wire, serializer: SerializerName): Promise<FuzzPeer> {
    const peer = await FuzzPeer.connect(port, wire, serializer);
    try {
      if (wire === 'rawsocket') await peer.rawSocketHandshake();
      else await peer.upgrade(port);
    } catch (error) {
      peer.destroy();
      throw error;
    }
    return peer;
  }

  /** The value encoded with this peer's serializer, in one transport frame. */
  frame(value: unknown): Buffer {
    return this.frameRaw(serializers[this.serializer].encode(value));
  }

  /** Any bytes as the payload of one message frame (text for JSON over WebSocket, else binary). */
  frameRaw(payload: Uint8Array): Buffer {
    if (this.wire === 'rawsocket') return encodeFrame(FrameType.message, payload);
    return encodeClientFrame(this.serializer === 'json' ? WsOpcode.text : WsOpcode.binary, payload);
  }

  /**
   * Bytes that end any frame the router may be waiting for (zeros past the
   * longest frame it accepts), after which zero bytes never make a valid frame:
   * whatever came before, the router must then end the session itself.
   */
  terminator(maxMessageBytes: number): Buffer {
    return Buffer.alloc(maxMessageBytes + 16);
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  /** Waits until `count` messages arrived or the router hung up; returns those there are. */
  async messagesAfter(count: number, what: string, timeoutMs = WAIT_MS): Promise<unknown[]> {
    await this.conditions.until(() => this.messages.length >= count || this.ended, timeoutMs, what);
    return this.messages;
  }

  async waitForClose(what: string, timeoutMs = WAIT_MS): Promise<void> {
    await within(this.closedPromise, timeoutMs, what);
  }

  /** Waits for the first `count` raw bytes (or the hang-up). */
  async bytes(count: number, what: string, timeoutMs = WAIT_MS): Promise<Buffer> {
    await this.conditions.until(() => this.received.length >= count || this.ended, timeoutMs, what);
    return this.received;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async rawSocketHandshake(): Promise<void> {
    this.socket.write(encodeHandshake(this.serializer, MAX_FRAME));
    const reply = await this.bytes(4, 'the RawSocket handshake reply');
    if (reply.length < 4 || reply[0] !== 0x7f || (reply[1]! & 0x0f) === 0) {
      throw new Error(`RawSocket handshake refused: ${reply.toString('hex')}`);
    }
    this.handshaken = true;
    const rest = this.received.subarray(4);
    if (rest.length > 0) this.framer.push(rest);
  }

  private async upgrade(port: number): Promise<void> {
    const protocol = this.serializer === 'json' ? 'wamp.2.json' : 'wamp.2.msgpack';
    this.socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
    await this.conditions.until(() => this.received.includes('\r\n\r\n') || this.ended, WAIT_MS, 'the HTTP upgrade reply');
    const end = this.received.indexOf('\r\n\r\n');
    const head = this.received.subarray(0, Math.max(end, 0)).toString('latin1');
    if (end < 0 || !head.startsWith('HTTP/1.1 101')) throw new Error(`WebSocket upgrade refused: ${head.split('\r\n')[0] ?? '(nothing)'}`);
    this.handshaken = true;
    this.wsBuffer = Buffer.from(this.received.subarray(end + 4));
    this.readWsFrames();
  }

  private onData(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    if (this.handshaken) {
      if (this.wire === 'rawsocket') this.framer.push(chunk);
      else {
        this.wsBuffer = Buffer.concat([this.wsBuffer, chunk]);
        this.readWsFrames();
      }
    }
    this.conditions.changed();
  }

  private readWsFrames(): void {
    const { frames, used } = splitServerFrames(this.wsBuffer);
    this.wsBuffer = this.wsBuffer.subarray(used);
    for (const frame of frames) {
      if (frame.opcode === WsOpcode.text || frame.opcode === WsOpcode.binary) this.decode(frame.payload);
      else if (frame.opcode === WsOpcode.close) {
        this.wsClose = {
          code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005,
          reason: frame.payload.subarray(2).toString('utf8'),
        };
        // Answer the close handshake as a real client would, so the router need not wait for a timeout.
        if (!this.socket.destroyed) this.socket.end(encodeClientFrame(WsOpcode.close, frame.payload.subarray(0, 2)));
      }
    }
  }

  private decode(payload: Buffer): void {
    try {
      this.messages.push(serializers[this.serializer].decode(payload));
    } catch (error) {
      this.garbled.push(`router sent an undecodable message: ${(error as Error).message}`);
    }
  }
}
