/**
 * RawSocket framing (WAMP advanced profile, "RawSocket Transport", "Framing"):
 * each frame is a 4-octet prefix `RRRR XTTT LLLLLLLL LLLLLLLL LLLLLLLL` then the payload.
 * R: reserved, must be zero. X: the 25th length bit, set only for a payload of exactly
 * 2^24 octets (with the 24 L bits zero). T: frame type.
 */

export const FrameType = { message: 0, ping: 1, pong: 2 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_HEADER_BYTES = 4;
const EMPTY = Buffer.alloc(0);
/** The largest payload a frame can announce. */
export const MAX_FRAME_PAYLOAD = 2 ** 24;

export type FrameRefusal = 'message_too_large' | 'bad_frame';

/** Where the framer reports what it read. */
export interface FrameSink {
  /**
   * One complete frame: its payload is `bytes[start, end)`. `bytes` may be the
   * pushed chunk itself: copy the range to keep it past this call.
   */
  frame(type: FrameType, bytes: Buffer, start: number, end: number): void;
  /** The stream cannot be framed any further; the framer ignores all later input. */
  refuse(refusal: FrameRefusal, reason: string): void;
}

const enum State {
  Header,
  Body,
  Failed,
}

/**
 * Bytes in, frames out, for any chunking of the input. Holds at most one frame:
 * a header announcing more than `maxPayloadBytes` is refused before any body is
 * buffered.
 */
export class RawSocketFramer {
  private state = State.Header;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  private type: FrameType = FrameType.message;
  private bodyLength = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;

  constructor(
    private readonly maxPayloadBytes: number,
    private readonly sink: FrameSink,
  ) {}

  /** Bytes of a partly received frame held right now. */
  get bufferedBytes(): number {
    return this.headerFilled + this.bodyFilled;
  }

  get failed(): boolean {
    return this.state === State.Failed;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === State.Header) {
        if (this.headerFilled === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          // The usual case: the whole header is in this chunk.
          this.startFrame(chunk[offset]!, chunk.readUIntBE(offset + 1, 3));
          offset += FRAME_HEADER_BYTES;
          continue;
        }
        this.header[this.headerFilled++] = chunk[offset++]!;
        if (this.headerFilled === FRAME_HEADER_BYTES) {
          this.headerFilled = 0;
          this.startFrame(this.header[0]!, this.header.readUIntBE(1, 3));
        }
      } else if (this.state === State.Body) {
        offset = this.readBody(chunk, offset);
      } else {
        return;
      }
    }
  }

  /** `first`: the header's first octet; `low`: its 24 length bits. */
  private startFrame(first: number, low: number): void {
    if ((first & 0xf0) !== 0) {
      return this.fail('bad_frame', `frame header has reserved bits set (first octet 0x${hex(first)})`);
    }
    const type = first & 0x07;
    if (type !== FrameType.message && type !== FrameType.ping && type !== FrameType.pong) {
      return this.fail('bad_frame', `frame type ${type} is reserved`);
    }
    let length = low;
    if ((first & 0x08) !== 0) {
      if (low !== 0) return this.fail('bad_frame', 'frame length has the 25th bit set with non-zero low bits');
      length = MAX_FRAME_PAYLOAD;
    }
    if (length > this.maxPayloadBytes) {
      return this.fail('message_too_large', `frame of ${length} bytes is over the limit of ${this.maxPayloadBytes} bytes`);
    }
    this.type = type;
    this.bodyLength = length;
    this.bodyFilled = 0;
    this.body = undefined;
    if (length === 0) {
      this.sink.frame(this.type, EMPTY, 0, 0);
    } else {
      this.state = State.Body;
    }
  }

  /** Consume body bytes from chunk[offset..]; returns the new offset. */
  private readBody(chunk: Buffer, offset: number): number {
    const available = chunk.length - offset;
    if (this.body === undefined && available >= this.bodyLength) {
      // The whole body is in this chunk: hand out its range, no copy.
      const end = offset + this.bodyLength;
      this.state = State.Header;
      this.sink.frame(this.type, chunk, offset, end);
      return end;
    }
    this.body ??= Buffer.allocUnsafe(this.bodyLength);
    const take = Math.min(available, this.bodyLength - this.bodyFilled);
    chunk.copy(this.body, this.bodyFilled, offset, offset + take);
    this.bodyFilled += take;
    if (this.bodyFilled === this.bodyLength) {
      const body = this.body;
      this.body = undefined;
      this.bodyFilled = 0;
      this.state = State.Header;
      this.sink.frame(this.type, body, 0, body.length);
    }
    return offset + take;
  }

  private fail(refusal: FrameRefusal, reason: string): void {
    this.state = State.Failed;
    this.body = undefined;
    this.bodyFilled = 0;
    this.sink.refuse(refusal, reason);
  }
}

/** Write a 4-octet frame prefix at `offset`. `length` must be 0..2^24. */
export function writeFrameHeader(target: Buffer, offset: number, type: FrameType, length: number): void {
  if (length === MAX_FRAME_PAYLOAD) {
    target[offset] = 0x08 | type;
    target.writeUIntBE(0, offset + 1, 3);
  } else {
    target[offset] = type;
    target.writeUIntBE(length, offset + 1, 3);
  }
}

/** A complete frame (prefix + payload) in one new Buffer. */
export function encodeFrame(type: FrameType, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, type, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

function hex(octet: number): string {
  return octet.toString(16).padStart(2, '0');
}
