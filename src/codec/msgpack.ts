import { Packr } from 'msgpackr';
import { MAX_NESTING, nestsDeeperThan } from './nesting.js';
import { CodecError, type Serializer } from './serializer.js';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  int64AsType: 'number',
});

const UINT32_MAX = 0xffff_ffff;
const INT32_MIN = -0x8000_0000;
/** 2^53, the largest WAMP id; every integer up to it is exact in a double. */
const EXACT_MAX = 2 ** 53;
/** Deeper than this, values are packed as they are: a bound on the walk, far past real payloads. */
const MAX_DEPTH = 128;

/*
 * msgpackr writes integers outside the 32-bit ranges as float64. WAMP ids reach
 * 2^53, and peers in other languages expect integers wherever the sender had an
 * integer (ids in details and meta-API payloads, timestamps in application
 * payloads), so every integer outside 32 bits, up to 2^53, becomes a BigInt, which
 * msgpackr writes as int64. Arrays and plain objects are copied only when
 * something in them changes; binary and other objects are left alone.
 */
function widen(value: unknown, depth: number): unknown {
  if (typeof value === 'number') return isWideInteger(value) ? BigInt(value) : value;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Runs on every message sent: strings, booleans and small numbers are settled without a call.
      if (typeof item === 'object' ? item === null : typeof item !== 'number' || !isWideInteger(item)) continue;
      const next = widen(item, depth + 1);
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const dict = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in dict) {
    const item = dict[key];
    if (typeof item === 'object' ? item === null : typeof item !== 'number' || !isWideInteger(item)) continue;
    const next = widen(item, depth + 1);
    if (next !== item) (copy ??= { ...dict })[key] = next;
  }
  return copy ?? value;
}

function isWideInteger(n: number): boolean {
  return ((n > UINT32_MAX && n <= EXACT_MAX) || (n < INT32_MIN && n >= -EXACT_MAX)) && Number.isInteger(n);
}

/** Reused for every decodeMsgpackRange call: msgpackr reads it synchronously, before returning. */
const range = { start: 0, end: 0 };

/**
 * Decode the MessagePack value in `bytes[start, end)` in place. Cheaper than
 * decoding a subarray: msgpackr caches a DataView on the buffer it reads, so a
 * fresh view per message costs a Buffer, a DataView and a property each time,
 * while the socket chunk a batch of frames arrived in is reused for all of them.
 * Binary values in the result are views into `bytes`, as with decode().
 */
export function decodeMsgpackRange(bytes: Buffer, start: number, end: number): unknown {
  let value: unknown;
  try {
    if (start === end) {
      value = packr.unpack(EMPTY);
    } else {
      range.start = start;
      range.end = end;
      value = packr.unpack(bytes, range);
    }
  } catch (cause) {
    throw new CodecError('msgpack', `message is not valid MessagePack: ${(cause as Error).message}`, { cause });
  }
  // Nesting past the limit needs at least one byte per level.
  if (end - start > MAX_NESTING && nestsDeeperThan(value, MAX_NESTING)) {
    throw new CodecError('msgpack', `message nests arrays/maps more than ${MAX_NESTING} deep`);
  }
  return value;
}

const EMPTY = Buffer.alloc(0);

export const msgpackSerializer: Serializer = {
  name: 'msgpack',
  binary: true,
  encode(value) {
    return packr.pack(widen(value, 0));
  },
  decode(bytes) {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return decodeMsgpackRange(buffer, 0, buffer.length);
  },
};
