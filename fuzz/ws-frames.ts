/**
 * Just enough of RFC 6455 framing for a fuzzing client that writes its own bytes:
 * masked client frames out, unmasked server frames in.
 */
import { randomBytes } from 'node:crypto';

export const WsOpcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** One masked, final client frame. `mask` is fixed by the caller for reproducible cases. */
export function encodeClientFrame(opcode: number, payload: Uint8Array, mask: Uint8Array = randomBytes(4)): Buffer {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const out = Buffer.alloc(2 + extended + 4 + length);
  out[0] = 0x80 | (opcode & 0x0f);
  if (extended === 0) out[1] = 0x80 | length;
  else if (extended === 2) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const maskAt = 2 + extended;
  for (let i = 0; i < 4; i++) out[maskAt + i] = mask[i] ?? 0;
  for (let i = 0; i < length; i++) out[maskAt + 4 + i] = payload[i]! ^ out[maskAt + (i % 4)]!;
  return out;
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Complete server frames at the start of `bytes`, and how many bytes they took. */
export function splitServerFrames(bytes: Buffer): { frames: ServerFrame[]; used: number } {
  const frames: ServerFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length < at + 2) break;
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (bytes.length < at + 4) break;
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (bytes.length < at + 10) break;
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (bytes.length < at + header + length) break;
    frames.push({ opcode, payload: bytes.subarray(at + header, at + header + length) });
    at += header + length;
  }
  return { frames, used: at };
}
