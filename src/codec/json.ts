import { MAX_NESTING, nestsDeeperThan } from './nesting.js';
import { CodecError, type Serializer } from './serializer.js';

/*
 * WAMP's JSON serializer carries binary values as strings: a NUL character
 * followed by the base64 of the bytes.
 */
const BINARY_PREFIX = '\u0000';

function binaryToString(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) return BINARY_PREFIX + Buffer.from(original).toString('base64');
  return value;
}

function stringToBinary(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(BINARY_PREFIX)) {
    return Buffer.from(value.slice(1), 'base64');
  }
  return value;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export const jsonSerializer: Serializer = {
  name: 'json',
  binary: false,
  encode(value) {
    return Buffer.from(JSON.stringify(value, binaryToString), 'utf8');
  },
  decode(bytes) {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (cause) {
      throw new CodecError('json', 'message is not valid UTF-8', { cause });
    }
    let value: unknown;
    try {
      // The reviver costs; only pay it when a binary string can be present.
      value = text.includes('\\u0000') ? JSON.parse(text, stringToBinary) : JSON.parse(text);
    } catch (cause) {
      throw new CodecError('json', `message is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    // Nesting past the limit needs at least two bytes per level.
    if (bytes.length > 2 * MAX_NESTING && nestsDeeperThan(value, MAX_NESTING)) {
      throw new CodecError('json', `message nests arrays/objects more than ${MAX_NESTING} deep`);
    }
    return value;
  },
};
