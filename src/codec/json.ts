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

/** Deeper than this, hasBinary stops looking and says yes: the replacer then decides, as it always may. */
const SCAN_DEPTH = MAX_NESTING + 1;

/**
 * Whether JSON.stringify needs the binary replacer for `value`: a Uint8Array
 * somewhere in it, or an object whose toJSON may produce one. Any replacer
 * takes V8 off its fast serializer and costs about twice as much, so values
 * without binary, nearly all of them, are stringified without it.
 */
function hasBinary(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= SCAN_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (hasBinary(value[i], depth + 1)) return true;
    }
    return false;
  }
  if (ArrayBuffer.isView(value)) return value instanceof Uint8Array;
  const dict = value as Record<string, unknown>;
  if (typeof dict['toJSON'] === 'function') return true;
  for (const key in dict) {
    if (hasBinary(dict[key], depth + 1)) return true;
  }
  return false;
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
    const text = hasBinary(value, 0) ? JSON.stringify(value, binaryToString) : JSON.stringify(value);
    return Buffer.from(text, 'utf8');
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
