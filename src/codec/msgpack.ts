import { Packr } from 'msgpackr';
import { CodecError, type Serializer } from './serializer.js';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  int64AsType: 'number',
});

const UINT32_MAX = 0xffff_ffff;

/*
 * msgpackr writes integers past 32 bits as float64; WAMP ids reach 2^53 and peers
 * in other languages expect them as integers. Ids stand at the top level of a
 * message (and one level down, in details such as `caller`), so convert those.
 */
function widen(value: unknown): unknown {
  if (typeof value === 'number') {
    return value > UINT32_MAX && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  return value;
}

function widenIds(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    let next = item;
    if (typeof item === 'number') next = widen(item);
    else if (item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Uint8Array)) {
      const dict = item as Record<string, unknown>;
      let copy: Record<string, unknown> | undefined;
      for (const key in dict) {
        const v = dict[key];
        if (typeof v === 'number' && v > UINT32_MAX) (copy ??= { ...dict })[key] = widen(v);
      }
      if (copy) next = copy;
    }
    if (next !== item) (out ??= value.slice())[i] = next;
  }
  return out ?? value;
}

export const msgpackSerializer: Serializer = {
  name: 'msgpack',
  binary: true,
  encode(value) {
    return packr.pack(widenIds(value));
  },
  decode(bytes) {
    try {
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return packr.unpack(buffer);
    } catch (cause) {
      throw new CodecError('msgpack', `message is not valid MessagePack: ${(cause as Error).message}`, { cause });
    }
  },
};
