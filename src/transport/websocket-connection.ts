import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import type { SerializerName } from '../codec/index.js';
import { BaseConnection } from './base-connection.js';
import type { ChannelBinding } from './channel-binding.js';
import type { CloseInfo, ConnectionLimits } from './connection.js';
import { Keepalive } from './keepalive.js';

export const subprotocolBySerializer: Readonly<Record<SerializerName, string>> = {
  json: 'wamp.2.json',
  msgpack: 'wamp.2.msgpack',
};

export function serializerForSubprotocol(protocol: string): SerializerName | undefined {
  if (protocol === 'wamp.2.json') return 'json';
  if (protocol === 'wamp.2.msgpack') return 'msgpack';
  return undefined;
}

export interface WebSocketSetup {
  serializer: SerializerName;
  limits: ConnectionLimits;
  remoteAddress: string;
  isLocal: boolean;
  channelBinding?: ChannelBinding | undefined;
  pingIntervalMs?: number | undefined;
  /** The socket under the WebSocket, to cork around a batch (optional). */
  socket?: Socket | undefined;
  passthrough?: boolean | undefined;
}

/** WebSocket close status codes: RFC 6455 section 7.4.1. */
const NORMAL = 1000;
/** Policy violation: used when the peer is cut off as a slow consumer. */
const POLICY_VIOLATION = 1008;
const MESSAGE_TOO_BIG = 1009;
const ABNORMAL = 1006;
/** After a slow-consumer close frame, how long the peer has to read up to it before the socket is destroyed. */
const OVERFLOW_CLOSE_TIMEOUT_MS = 5_000;

/** A WAMP connection over an open `ws` WebSocket. */
export class WebSocketConnection extends BaseConnection {
  readonly transport = 'websocket';
  private readonly keepalive: Keepalive | undefined;
  private readonly socket: Socket | undefined;
  private wsError: (Error & { code?: string }) | undefined;
  private overflowTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    setup: WebSocketSetup,
  ) {
    super({ ...setup, maxSendBytes: setup.limits.maxMessageBytes });
    this.socket = setup.socket;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', (payload) => this.keepalive?.pong(payload));
    ws.on('error', (error) => {
      this.wsError ??= error;
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    if (setup.pingIntervalMs !== undefined) {
      this.keepalive = new Keepalive(
        setup.pingIntervalMs,
        (payload) => ws.ping(payload),
        (reason) => this.fail({ code: 'ping_timeout', reason }),
      );
    }
  }

  protected writeBatch(batch: Buffer[]): void {
    const binary = this.codec.binary;
    // ws writes each frame synchronously (no compression): one cork makes the batch one writev.
    this.socket?.cork();
    for (const payload of batch) this.ws.send(payload, { binary, compress: false });
    this.socket?.uncork();
  }

  protected endTransport(reason: string): void {
    this.keepalive?.stop();
    this.ws.close(NORMAL, truncateReason(reason));
  }

  protected destroyTransport(): void {
    this.keepalive?.stop();
    this.ws.terminate();
  }

  /** Cut off as a slow consumer: the ABORT, then a close frame 1008 naming the cap; terminated after a timeout. */
  protected override notifyOverflow(abort: Buffer | undefined, reason: string): boolean {
    this.keepalive?.stop();
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (abort !== undefined) this.ws.send(abort, { binary: this.codec.binary, compress: false });
    this.ws.close(POLICY_VIOLATION, truncateReason(reason));
    this.overflowTimer = setTimeout(() => this.ws.terminate(), OVERFLOW_CLOSE_TIMEOUT_MS);
    this.overflowTimer.unref();
    return true;
  }

  protected transportQueuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  protected pauseInput(): void {
    this.ws.pause();
  }

  protected resumeInput(): void {
    this.ws.resume();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary !== this.codec.binary) {
      const kind = isBinary ? 'binary' : 'text';
      this.violation(`${kind} WebSocket frame on a ${subprotocolBySerializer[this.serializer]} connection`);
      return;
    }
    this.receive(toBuffer(data));
  }

  private onClose(code: number, reason: string): void {
    this.keepalive?.stop();
    if (this.overflowTimer !== undefined) clearTimeout(this.overflowTimer);
    this.transportEnded(closeInfoFor(code, reason, this.wsError));
  }
}

function closeInfoFor(code: number, reason: string, error: (Error & { code?: string }) | undefined): CloseInfo {
  if (error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === MESSAGE_TOO_BIG) {
    return { code: 'message_too_large', reason: error?.message ?? `the peer closed: message too big${reason ? ` (${reason})` : ''}`, ...(error && { error }) };
  }
  if (error !== undefined) return { code: 'reset', reason: `WebSocket error: ${error.message}`, error };
  if (code === ABNORMAL) return { code: 'reset', reason: 'the connection dropped without a WebSocket close frame' };
  return { code: 'closed', reason: `the peer closed the connection (${code}${reason ? `: ${reason}` : ''})` };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A close frame's reason must fit in 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= 123) return reason;
  return bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...';
}
