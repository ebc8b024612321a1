import { jsonSerializer } from './json.js';
import { msgpackSerializer } from './msgpack.js';
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
