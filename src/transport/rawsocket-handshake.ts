/**
 * RawSocket opening handshake (WAMP advanced profile, "RawSocket Transport"): the client
 * sends `0x7F LLLLSSSS 0x00 0x00`; the router answers the same shape (L: its own max,
 * S: the echoed serializer) or an error `0x7F EEEE0000 0x00 0x00`.
 */
import type { SerializerName } from '../codec/index.js';

export const RAWSOCKET_MAGIC = 0x7f;
export const HANDSHAKE_BYTES = 4;

const serializerIds: Readonly<Record<SerializerName, number>> = { json: 1, msgpack: 2 };
const serializerNamesById: ReadonlyMap<number, string> = new Map([
  [1, 'json'], [2, 'msgpack'], [3, 'cbor'], [4, 'ubjson'], [5, 'flatbuffers'],
]);

/** The router's error replies, by the code carried in the upper nibble. */
export const HandshakeErrorCode = {
  serializerUnsupported: 1,
  maxLengthUnacceptable: 2,
  reservedBits: 3,
  maxConnections: 4,
} as const;
export type HandshakeErrorCode = (typeof HandshakeErrorCode)[keyof typeof HandshakeErrorCode];

const handshakeErrorText: ReadonlyMap<number, string> = new Map([
  [HandshakeErrorCode.serializerUnsupported, 'serializer unsupported'],
  [HandshakeErrorCode.maxLengthUnacceptable, 'maximum message length unacceptable'],
  [HandshakeErrorCode.reservedBits, 'use of reserved bits (unsupported feature)'],
  [HandshakeErrorCode.maxConnections, 'maximum connection count reached'],
]);

/** The length nibble announcing the largest 2^(9+n) not above `maxBytes` (clamped to 0..15). */
export function lengthExponent(maxBytes: number): number {
  let n = 0;
  while (n < 15 && 2 ** (n + 10) <= maxBytes) n++;
  return n;
}

export function exponentToBytes(exponent: number): number {
  return 2 ** (exponent + 9);
}

/** What a peer announcing `maxBytes` can really accept, as a RawSocket length. */
export function announcedBytes(maxBytes: number): number {
  return exponentToBytes(lengthExponent(maxBytes));
}

function encode(second: number): Buffer {
  return Buffer.from([RAWSOCKET_MAGIC, second, 0, 0]);
}

/** The client's request, and also the router's success reply: same shape. */
export function encodeHandshake(serializer: SerializerName, maxBytes: number): Buffer {
  return encode((lengthExponent(maxBytes) << 4) | serializerIds[serializer]);
}

export function encodeHandshakeError(code: HandshakeErrorCode): Buffer {
  return encode(code << 4);
}

export type HandshakeRequest =
  | { ok: true; serializer: SerializerName; peerMaxBytes: number }
  /** `reply` is undefined when the spec says to drop the connection without one (bad magic). */
  | { ok: false; reply: Buffer | undefined; reason: string };

/** Router side: check a client's 4 octets. */
export function parseHandshakeRequest(
  bytes: Uint8Array,
  accepted: readonly SerializerName[],
  minPeerMaxBytes = exponentToBytes(0),
): HandshakeRequest {
  const [magic, second, r1, r2] = bytes;
  if (magic !== RAWSOCKET_MAGIC) {
    return { ok: false, reply: undefined, reason: `not a RawSocket handshake (first octet 0x${hex(magic ?? 0)}, expected 0x7f)` };
  }
  if (r1 !== 0 || r2 !== 0) {
    return refuse(HandshakeErrorCode.reservedBits, `handshake uses reserved octets (0x${hex(r1 ?? 0)} 0x${hex(r2 ?? 0)})`);
  }
  const id = (second ?? 0) & 0x0f;
  const serializer = accepted.find((name) => serializerIds[name] === id);
  if (serializer === undefined) {
    const name = id === 0 ? 'illegal serializer 0' : `serializer ${id} (${serializerNamesById.get(id) ?? 'undefined'})`;
    return refuse(HandshakeErrorCode.serializerUnsupported, `${name} not supported; this router speaks ${accepted.join(', ')}`);
  }
  const peerMaxBytes = exponentToBytes((second ?? 0) >> 4);
  if (peerMaxBytes < minPeerMaxBytes) {
    return refuse(
      HandshakeErrorCode.maxLengthUnacceptable,
      `client accepts messages up to ${peerMaxBytes} bytes; this router needs at least ${minPeerMaxBytes}`,
    );
  }
  return { ok: true, serializer, peerMaxBytes };
}

export type HandshakeReply = { ok: true; peerMaxBytes: number } | { ok: false; reason: string };

/** Client side: check the router's 4 octets against what we asked for. */
export function parseHandshakeReply(bytes: Uint8Array, requested: SerializerName): HandshakeReply {
  const [magic, second, r1, r2] = bytes;
  if (magic !== RAWSOCKET_MAGIC) {
    return { ok: false, reason: `router reply is not RawSocket (first octet 0x${hex(magic ?? 0)})` };
  }
  const id = (second ?? 0) & 0x0f;
  const high = (second ?? 0) >> 4;
  if (id === 0) {
    return { ok: false, reason: `router refused: ${handshakeErrorText.get(high) ?? `error ${high}`}` };
  }
  if (r1 !== 0 || r2 !== 0) return { ok: false, reason: 'router reply uses reserved octets' };
  if (id !== serializerIds[requested]) {
    return { ok: false, reason: `router answered serializer ${id}, not the requested ${requested}` };
  }
  return { ok: true, peerMaxBytes: exponentToBytes(high) };
}

function refuse(code: HandshakeErrorCode, reason: string): HandshakeRequest {
  return { ok: false, reply: encodeHandshakeError(code), reason };
}

function hex(octet: number): string {
  return octet.toString(16).padStart(2, '0');
}
