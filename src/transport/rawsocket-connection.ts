import type { Socket } from 'node:net';
import type { SerializerName } from '../codec/index.js';
import { BaseConnection } from './base-connection.js';
import type { ChannelBinding } from './channel-binding.js';
import type { ConnectionLimits } from './connection.js';
import { Keepalive } from './keepalive.js';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameType,
  RawSocketFramer,
  writeFrameHeader,
  type FrameRefusal,
  type FrameSink,
} from './rawsocket-framer.js';

export interface RawSocketSetup {
  serializer: SerializerName;
  limits: ConnectionLimits;
  remoteAddress: string;
  isLocal: boolean;
  channelBinding?: ChannelBinding | undefined;
  /** What we announced in the handshake: the largest frame we accept. */
  maxReceiveBytes: number;
  /** What the peer announced: the largest frame it accepts. */
  peerMaxBytes: number;
  pingIntervalMs?: number | undefined;
  /** Bytes read past the handshake, to frame first. */
  initial?: Buffer | undefined;
  /** After close(), how long to wait for the peer's FIN before destroying. */
  closeTimeoutMs?: number;
  passthrough?: boolean | undefined;
}

/** Payloads this large are written on their own rather than copied into the batch buffer. */
const COPY_LIMIT = 64 * 1024;
const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/** A RawSocket connection over a TCP or Unix socket whose handshake is done. */
export class RawSocketConnection extends BaseConnection implements FrameSink {
  readonly transport = 'rawsocket';
  private readonly framer: RawSocketFramer;
  private readonly keepalive: Keepalive | undefined;
  private readonly closeTimeoutMs: number;
  private closeTimer: NodeJS.Timeout | undefined;
  private socketError: Error | undefined;

  constructor(
    private readonly socket: Socket,
    setup: RawSocketSetup,
  ) {
    super({ ...setup, maxSendBytes: Math.min(setup.peerMaxBytes, setup.limits.maxMessageBytes) });
    this.closeTimeoutMs = setup.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.framer = new RawSocketFramer(setup.maxReceiveBytes, this);
    if (setup.initial !== undefined && setup.initial.length > 0) this.framer.push(setup.initial);
    socket.on('data', (chunk: Buffer) => this.framer.push(chunk));
    socket.on('error', (error) => {
      this.socketError ??= error;
    });
    socket.on('close', () => this.onSocketClose());
    if (setup.pingIntervalMs !== undefined) {
      this.keepalive = new Keepalive(
        setup.pingIntervalMs,
        (payload) => this.writeControl(FrameType.ping, payload),
        (reason) => this.fail({ code: 'ping_timeout', reason }),
      );
    }
  }

  /** FrameSink: one frame from the framer. */
  frame(type: FrameType, bytes: Buffer, start: number, end: number): void {
    if (type === FrameType.message) this.receive(bytes, start, end);
    else if (type === FrameType.ping) this.writeControl(FrameType.pong, bytes.subarray(start, end));
    else this.keepalive?.pong(bytes.subarray(start, end));
  }

  /** FrameSink: the stream cannot be framed any further. */
  refuse(refusal: FrameRefusal, reason: string): void {
    if (refusal === 'message_too_large') {
      this.fail({ code: 'message_too_large', reason });
      return;
    }
    // The framer now discards input; the owner may still answer (ABORT) before closing.
    this.violation(`RawSocket framing error: ${reason}`);
  }

  protected writeBatch(batch: Buffer[], bytes: number): void {
    const socket = this.socket;
    if (batch.length === 1 || bytes > COPY_LIMIT) {
      socket.cork();
      for (const payload of batch) this.writeFramed(payload);
      socket.uncork();
      return;
    }
    const out = Buffer.allocUnsafe(bytes + FRAME_HEADER_BYTES * batch.length);
    let offset = 0;
    for (const payload of batch) {
      writeFrameHeader(out, offset, FrameType.message, payload.length);
      payload.copy(out, offset + FRAME_HEADER_BYTES);
      offset += FRAME_HEADER_BYTES + payload.length;
    }
    socket.write(out);
  }

  protected endTransport(): void {
    this.keepalive?.stop();
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref();
  }

  protected destroyTransport(): void {
    this.keepalive?.stop();
    this.socket.destroy();
  }

  /** Cut off as a slow consumer: one ABORT frame after what the socket holds, then FIN; destroyed after closeTimeoutMs. */
  protected override notifyOverflow(abort: Buffer | undefined): boolean {
    this.keepalive?.stop();
    if (this.socket.destroyed) return false;
    // The socket holds whole frames only (each write is a header or a payload of a frame written whole), so this starts on a frame boundary.
    if (abort !== undefined) this.socket.write(encodeFrame(FrameType.message, abort));
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref();
    return true;
  }

  protected transportQueuedBytes(): number {
    return this.socket.writableLength;
  }

  protected pauseInput(): void {
    this.socket.pause();
  }

  protected resumeInput(): void {
    this.socket.resume();
  }

  private writeFramed(payload: Buffer): void {
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    writeFrameHeader(header, 0, FrameType.message, payload.length);
    this.socket.write(header);
    this.socket.write(payload);
  }

  /** PING and PONG go out at once, ahead of the batch; they count against the cap too. */
  private writeControl(type: FrameType, payload: Buffer): void {
    if (this.closed || payload.length > this.maxSendBytes) return;
    this.socket.write(encodeFrame(type, payload));
    if (this.queuedBytes > this.limits.maxQueuedBytes) this.overflowed(this.queuedBytes);
  }

  private onSocketClose(): void {
    this.keepalive?.stop();
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    const error = this.socketError;
    this.transportEnded(
      error === undefined
        ? { code: 'closed', reason: 'the peer closed the connection' }
        : { code: 'reset', reason: `socket error: ${error.message}`, error },
    );
  }
}
