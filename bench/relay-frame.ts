/**
 * The baseline relay's framing: every frame is a 4-byte big-endian body length
 * followed by the body. Nothing else: no handshake, no message types, no ids
 * the relay looks at.
 */
export const HEADER_BYTES = 4;
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * Accumulates stream chunks and finds frame boundaries. `push` returns the
 * offset just past the last complete frame of the returned buffer; the bytes
 * after it are kept for the next chunk.
 */
export class FrameScanner {
  private pending: Buffer | undefined;

  /** Returns the buffer to read from and where its complete frames end; calls onFrame for each body when given. */
  push(chunk: Buffer, onFrame?: (body: Buffer) => void): { buffer: Buffer; end: number } {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (offset + HEADER_BYTES <= buffer.length) {
      const length = buffer.readUInt32BE(offset);
      if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
      const next = offset + HEADER_BYTES + length;
      if (next > buffer.length) break;
      if (onFrame) onFrame(buffer.subarray(offset + HEADER_BYTES, next));
      offset = next;
    }
    this.pending = offset < buffer.length ? buffer.subarray(offset) : undefined;
    return { buffer, end: offset };
  }
}

export function frameHeader(bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(bodyLength, 0);
  return header;
}
