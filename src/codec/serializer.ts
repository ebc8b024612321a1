/** A serializer turns one WAMP message value into bytes and back. Pure functions. */
export type SerializerName = 'json' | 'msgpack';

export interface Serializer {
  readonly name: SerializerName;
  /** True when frames are text (WebSocket text frames). */
  readonly binary: boolean;
  encode(value: unknown): Buffer;
  /** Throws CodecError on bytes that are not a valid encoding. */
  decode(bytes: Uint8Array): unknown;
}

export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(readonly serializer: SerializerName, message: string, options?: { cause?: unknown }) {
    super(`${serializer}: ${message}`, options);
  }
}
