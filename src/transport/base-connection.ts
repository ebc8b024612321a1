import { CodecError, decodeRange, serializers, type Serializer, type SerializerName } from '../codec/index.js';
import type { Message } from '../protocol/messages.js';
import { parseMessage, type ParseAnswer } from '../protocol/parse.js';
import { ErrorUri } from '../protocol/error-uris.js';
import { encodeForWire, parseMsgpackWithRawPayload } from '../protocol/raw-payload.js';
import type { ChannelBinding } from './channel-binding.js';
import type { CloseInfo, Connection, ConnectionHandler, ConnectionLimits } from './connection.js';
import { scheduleFlush, type Flushable } from './flush-scheduler.js';

export interface ConnectionSetup {
  serializer: SerializerName;
  limits: ConnectionLimits;
  remoteAddress: string;
  isLocal: boolean;
  channelBinding?: ChannelBinding | undefined;
  /** Largest encoded message the peer accepts; larger ones are not sent. */
  maxSendBytes: number;
  /** MessagePack only: keep the payload of CALL, PUBLISH, YIELD and ERROR encoded (see RawPayload). */
  passthrough?: boolean | undefined;
}

class Violation {
  constructor(
    readonly reason: string,
    readonly answer?: ParseAnswer,
  ) {}
}

type Inbound = Message | Violation;

/**
 * What every transport shares: decode + parse of incoming messages, the queue of
 * events held until attach(), the outbound batch flushed once per event-loop turn,
 * the queued-bytes cap, and the exactly-once close report.
 *
 * Subclasses move bytes: they call receive()/violation() for input and
 * transportEnded() once the underlying channel is gone, and implement the hooks.
 *
 * Read-side backpressure: nothing inbound is buffered beyond one frame (each
 * transport's framing) plus what arrives before attach(), during which input is
 * paused. Reading is deliberately not paused when our writes back up: if both
 * ends did that, two peers writing to each other could stop each other forever;
 * a peer that does not read is cut off by the queued-bytes cap instead.
 */
export abstract class BaseConnection implements Connection, Flushable {
  abstract readonly transport: Connection['transport'];
  readonly serializer: SerializerName;
  readonly remoteAddress: string;
  readonly isLocal: boolean;
  readonly channelBinding: ChannelBinding | undefined;
  protected readonly codec: Serializer;
  protected readonly limits: ConnectionLimits;
  protected readonly maxSendBytes: number;
  private readonly passthrough: boolean;

  private handler: ConnectionHandler | undefined;
  /** Inbound events held until attach() has drained them; undefined after. */
  private inbox: Inbound[] | undefined = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** close(), destroy() or a failure started: no more sends. */
  private stopping = false;
  /** The owner called close() or destroy(): it wants no more input. */
  private ownerStopped = false;
  private destroying = false;
  /** Cut off as a slow consumer: the transport is sending its last words (notifyOverflow); destroy() still ends it at once. */
  private draining = false;
  /** Why we are closing, when we decided it; wins over what the transport reports. */
  private closeInfo: CloseInfo | undefined;
  /** Set once the underlying channel is gone. */
  private ended: CloseInfo | undefined;
  private reported = false;

  constructor(setup: ConnectionSetup) {
    this.serializer = setup.serializer;
    this.codec = serializers[setup.serializer];
    this.limits = setup.limits;
    this.remoteAddress = setup.remoteAddress;
    this.isLocal = setup.isLocal;
    this.channelBinding = setup.channelBinding;
    this.maxSendBytes = setup.maxSendBytes;
    this.passthrough = setup.passthrough === true && setup.serializer === 'msgpack';
  }

  get closed(): boolean {
    return this.stopping || this.ended !== undefined;
  }

  get queuedBytes(): number {
    return this.pendingBytes + this.transportQueuedBytes();
  }

  attach(handler: ConnectionHandler): void {
    const first = this.handler === undefined;
    this.handler = handler;
    // Deliver what is held on the next microtask, so the owner finishes its own setup first.
    if (first) queueMicrotask(() => this.drainInbox());
  }

  /**
   * Returns false, and sends nothing, when the connection is closing or closed,
   * when the message cannot be encoded, or when it is larger than the peer accepts
   * (RawSocket: the length the peer announced): that one message is failed and the
   * connection stays open, so the owner can answer with an error instead — the
   * spec leaves this choice to implementations. Past the queued-bytes cap the
   * connection is closed with 'queue_full' (see overflowed()).
   */
  send(message: Message): boolean {
    if (this.stopping || this.ended !== undefined) return false;
    let payload: Buffer;
    try {
      payload = encodeForWire(this.codec, message);
    } catch {
      return false;
    }
    if (payload.length > this.maxSendBytes) return false;
    return this.enqueue(payload);
  }

  close(reason = 'closed by this side'): void {
    if (this.stopping || this.ended !== undefined) return;
    this.stopping = true;
    this.ownerStopped = true;
    this.closeInfo ??= { code: 'closed', reason };
    this.flushBeforeClose();
    this.endTransport(reason);
  }

  destroy(error?: Error): void {
    this.ownerStopped = true;
    if (this.draining) {
      // Already reported closed as a slow consumer; stop waiting for the peer to read its last words.
      this.draining = false;
      this.destroyTransport();
      return;
    }
    this.fail(error === undefined ? { code: 'closed', reason: 'destroyed by this side' } : { code: 'closed', reason: error.message, error });
  }

  /** Write the queued batch now. Called by the flush scheduler; never throws. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.destroying || this.draining || this.ended !== undefined || !this.canWrite()) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      this.writeBatch(batch, bytes);
    } catch (error) {
      this.fail({ code: 'reset', reason: `write failed: ${(error as Error).message}`, error: error as Error });
    }
    this.afterFlush();
  }

  /** Close at once with this reason (first reason wins). */
  protected fail(info: CloseInfo): void {
    if (this.destroying || this.ended !== undefined) return;
    this.stopping = true;
    this.destroying = true;
    this.closeInfo ??= info;
    this.pending = [];
    this.pendingBytes = 0;
    this.destroyTransport();
  }

  /** Queue encoded bytes for the next flush, enforcing the queued-bytes cap. */
  protected enqueue(payload: Buffer): boolean {
    const queued = this.queuedBytes + payload.length;
    if (queued > this.limits.maxQueuedBytes) {
      this.overflowed(queued);
      return false;
    }
    this.pending.push(payload);
    this.pendingBytes += payload.length;
    this.requestFlush();
    return true;
  }

  /**
   * The slow-consumer cut-off: `queued` bytes would pass limits.maxQueuedBytes.
   * What we hold is dropped; the owner learns of the close ('queue_full') on a
   * microtask, as it would after destroy(). Socket transports then tell the peer
   * why, behind what the socket already holds (at most the cap) and bounded by
   * their close timeout: an ABORT thoth.error.outbound_queue_full (RawSocket and
   * WebSocket), then the end of the stream (RawSocket) or a close frame 1008
   * (WebSocket). A peer that never reads again never sees it, and is destroyed
   * when the timeout runs out. Transports that cannot (memory pairs) are destroyed.
   */
  protected overflowed(queued: number): void {
    if (this.destroying || this.draining || this.ended !== undefined) return;
    const cap = this.limits.maxQueuedBytes;
    const info: CloseInfo = {
      code: 'queue_full',
      reason: `outbound queue would hold ${queued} bytes, over the cap of ${cap} bytes (limits.maxQueuedBytes): the peer is not reading fast enough`,
    };
    this.stopping = true;
    this.ownerStopped = true;
    this.closeInfo ??= info;
    this.pending = [];
    this.pendingBytes = 0;
    let abort: Buffer | undefined;
    try {
      // Small (a few hundred bytes) and made once per cut-off connection.
      abort = encodeForWire(this.codec, { type: 'ABORT', details: { message: info.reason }, reason: ErrorUri.outboundQueueFull });
    } catch {
      abort = undefined;
    }
    if (abort !== undefined && abort.length > this.maxSendBytes) abort = undefined;
    if (!this.notifyOverflow(abort, `outbound queue over ${cap} bytes (limits.maxQueuedBytes): not reading fast enough`)) {
      this.fail(info);
      return;
    }
    this.draining = true;
    queueMicrotask(() => this.transportEnded(info));
  }

  /**
   * Called once by overflowed(): write `abort` (an encoded ABORT, when it could be
   * made) past everything already handed to the channel, end the channel
   * gracefully with `reason` (short, for a WebSocket close frame), and destroy it
   * after a timeout. Return false to be destroyed at once instead.
   */
  protected notifyOverflow(_abort: Buffer | undefined, _reason: string): boolean {
    return false;
  }

  protected requestFlush(): void {
    if (this.flushScheduled || this.pending.length === 0) return;
    this.flushScheduled = true;
    scheduleFlush(this);
  }

  protected get hasPending(): boolean {
    return this.pending.length > 0;
  }

  protected get attached(): boolean {
    return this.handler !== undefined;
  }

  /** One incoming message, serialized in `bytes[start, end)`. */
  protected receive(bytes: Buffer, start = 0, end = bytes.length): void {
    if (this.ownerStopped || this.ended !== undefined) return;
    if (this.passthrough) {
      const message = parseMsgpackWithRawPayload(bytes, start, end);
      if (message !== undefined) return this.deliver(message);
    }
    let value: unknown;
    try {
      value = decodeRange(this.codec, bytes, start, end);
    } catch (error) {
      const reason = error instanceof CodecError ? error.message : `cannot decode message: ${String(error)}`;
      this.deliver(new Violation(reason));
      return;
    }
    const parsed = parseMessage(value);
    this.deliver(parsed.ok ? parsed.message : new Violation(parsed.reason, parsed.answer));
  }

  /** Input that breaks the transport's own rules but leaves the connection usable for a reply. */
  protected violation(reason: string): void {
    if (!this.ownerStopped && this.ended === undefined) this.deliver(new Violation(reason));
  }

  /** The underlying channel is gone. `fallback` is used unless we already decided why. */
  protected transportEnded(fallback: CloseInfo): void {
    if (this.ended !== undefined) return;
    this.ended = this.closeInfo ?? fallback;
    this.pending = [];
    this.pendingBytes = 0;
    this.report();
  }

  /** Hand a batch of encoded messages to the channel, in order. */
  protected abstract writeBatch(batch: Buffer[], bytes: number): void;
  /** Flush is done by the caller; end the channel gracefully. */
  protected abstract endTransport(reason: string): void;
  /** End the channel at once. */
  protected abstract destroyTransport(): void;
  /** Bytes the channel has taken but not yet handed to the OS (or the peer). */
  protected abstract transportQueuedBytes(): number;
  protected abstract pauseInput(): void;
  protected abstract resumeInput(): void;
  /** False to keep the batch queued for now (the peer cannot take it yet). */
  protected canWrite(): boolean {
    return true;
  }
  protected afterFlush(): void {}
  protected flushBeforeClose(): void {
    this.flush();
  }
  protected afterAttach(): void {}

  private deliver(item: Inbound): void {
    if (this.inbox !== undefined) {
      if (this.inbox.length === 0) this.pauseInput();
      this.inbox.push(item);
      return;
    }
    this.dispatch(item);
  }

  private dispatch(item: Inbound): void {
    const handler = this.handler;
    if (handler === undefined || this.ownerStopped) return;
    try {
      if (item instanceof Violation) {
        if (item.answer === undefined) handler.violation(item.reason);
        else handler.violation(item.reason, item.answer);
      }
      else handler.message(item);
    } catch (error) {
      // A throwing owner must not take the event loop down with it: end this connection only.
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private drainInbox(): void {
    const inbox = this.inbox;
    if (inbox === undefined) return;
    // Items that arrive while draining are appended and delivered in order by this loop.
    for (let i = 0; i < inbox.length; i++) this.dispatch(inbox[i]!);
    this.inbox = undefined;
    if (this.ended !== undefined) this.report();
    else if (inbox.length > 0) this.resumeInput();
    this.afterAttach();
  }

  private report(): void {
    if (this.reported || this.handler === undefined || this.inbox !== undefined || this.ended === undefined) return;
    this.reported = true;
    this.handler.closed(this.ended);
  }
}
