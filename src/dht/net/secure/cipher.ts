import { createCipheriv, createDecipheriv } from 'node:crypto';

const TAG_BYTES = 16;

export class SealError extends Error {
  override readonly name = 'SealError';
  readonly code = 'DHT_BAD_SEAL';
}

/**
 * One direction of a channel: AES-256-GCM with a 96-bit nonce that counts the frames
 * (4 zero bytes, then the count, big-endian). TCP keeps order, so a frame replayed,
 * dropped, reordered or changed fails to open. Each direction has its own key.
 */
export class FrameSealer {
  private count = 0n;

  constructor(private readonly key: Buffer) {}

  seal(plain: Uint8Array): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.count++));
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return body;
  }
}

export class FrameOpener {
  private count = 0n;

  constructor(private readonly key: Buffer) {}

  /** The plain bytes; SealError when the frame was not sealed by the peer as the next one. */
  open(sealed: Uint8Array): Buffer {
    if (sealed.length < TAG_BYTES) throw new SealError('a sealed frame is shorter than its tag');
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.count++));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SealError('a frame failed authentication (changed, replayed or out of order)');
    }
  }
}

function nonce(count: bigint): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(count, 4);
  return bytes;
}
