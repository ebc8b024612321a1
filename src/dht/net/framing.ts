import { msgpackSerializer } from '../../codec/msgpack.js';

/** Frames between DHT nodes: a 4-byte big-endian length, then the body (one MessagePack value, or its sealed form). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly code = 'DHT_BAD_FRAME';
}

export function frameBytes(body: Uint8Array): Buffer {
  if (body.length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${body.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

export function encodeFrame(value: unknown): Buffer {
  return frameBytes(msgpackSerializer.encode(value));
}

/** Splits a byte stream into frame bodies, whatever the chunking. Throws FrameError. */
export class RawFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const bodies: Buffer[] = [];
    let at = 0;
    while (this.pending.length - at >= 4) {
      const length = this.pending.readUInt32BE(at);
      if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
      if (this.pending.length - at - 4 < length) break;
      bodies.push(this.pending.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.pending = at === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(at);
    return bodies;
  }
}
