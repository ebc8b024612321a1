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
  if (typeof value === 'number') {
    const wide = (value > UINT32_MAX && value <= EXACT_MAX) || (value < INT32_MIN && value >= -EXACT_MAX);
    return wide && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
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
    const next = widen(item, depth + 1);
    if (next !== item) (copy ??= { ...dict })[key] = next;
  }
  return copy ?? value;
}

export const msgpackSerializer: Serializer = {
  name: 'msgpack',
  binary: true,
  encode(value) {
    return packr.pack(widen(value, 0));
  },
  decode(bytes) {
    let value: unknown;
    try {
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      value = packr.unpack(buffer);
    } catch (cause) {
      throw new CodecError('msgpack', `message is not valid MessagePack: ${(cause as Error).message}`, { cause });
    }
    // Nesting past the limit needs at least one byte per level.
    if (bytes.length > MAX_NESTING && nestsDeeperThan(value, MAX_NESTING)) {
      throw new CodecError('msgpack', `message nests arrays/maps more than ${MAX_NESTING} deep`);
    }
    return value;
  },
};
