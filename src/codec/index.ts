import { jsonSerializer } from './json.js';
import { decodeMsgpackRange, msgpackSerializer } from './msgpack.js';
import type { Serializer, SerializerName } from './serializer.js';

export { CodecError, type Serializer, type SerializerName } from './serializer.js';
export { jsonSerializer, msgpackSerializer };

export const serializers: Readonly<Record<SerializerName, Serializer>> = {
  json: jsonSerializer,
  msgpack: msgpackSerializer,
};

export const serializerNames: readonly SerializerName[] = ['json', 'msgpack'];

export function isSerializerName(name: string): name is SerializerName {
  return name === 'json' || name === 'msgpack';
}

/**
 * Decode the message in `bytes[start, end)`. MessagePack reads the range in
 * place; JSON decodes a view of it.
 */
export function decodeRange(serializer: Serializer, bytes: Buffer, start: number, end: number): unknown {
  if (serializer === msgpackSerializer) return decodeMsgpackRange(bytes, start, end);
  return serializer.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}
