import { isSerializerName, type SerializerName } from '../codec/index.js';
import { defaultConnectionLimits, type ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';

/** The smallest message limit accepted: RawSocket cannot announce less than 2^9 octets. */
export const MIN_MESSAGE_BYTES = 512;

/** Refuse keys an options object must not have, naming the first one. */
export function checkOptionKeys(where: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TransportError('bad_options', `${where}: unknown option '${key}' (known: ${allowed.join(', ')})`);
    }
  }
}

export function checkInteger(where: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TransportError('bad_options', `${where}: option '${name}' must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** Optional positive interval in ms; undefined or 0 means "off". */
export function checkInterval(where: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === 0) return undefined;
  return checkInteger(where, name, value, 1);
}

/** Fresh limits from a partial override, validated. */
export function resolveLimits(where: string, limits: Partial<ConnectionLimits> | undefined): ConnectionLimits {
  const resolved = { ...defaultConnectionLimits };
  if (limits === undefined) return resolved;
  checkOptionKeys(`${where} limits`, limits, ['maxMessageBytes', 'maxQueuedBytes']);
  if (limits.maxMessageBytes !== undefined) {
    resolved.maxMessageBytes = checkInteger(where, 'limits.maxMessageBytes', limits.maxMessageBytes, MIN_MESSAGE_BYTES);
  }
  if (limits.maxQueuedBytes !== undefined) {
    resolved.maxQueuedBytes = checkInteger(where, 'limits.maxQueuedBytes', limits.maxQueuedBytes, 1);
  }
  return resolved;
}

export function resolveSerializers(where: string, names: readonly string[] | undefined): SerializerName[] {
  if (names === undefined) return ['json', 'msgpack'];
  if (names.length === 0) throw new TransportError('bad_options', `${where}: option 'serializers' must not be empty`);
  for (const name of names) {
    if (!isSerializerName(name)) {
      throw new TransportError('bad_options', `${where}: unknown serializer '${name}' in option 'serializers' (known: json, msgpack)`);
    }
  }
  return [...new Set(names as SerializerName[])];
}
