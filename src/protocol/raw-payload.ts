import type { Serializer, SerializerName } from '../codec/index.js';
import { decodeMsgpackRange } from '../codec/msgpack.js';
import { skipMsgpackValue } from '../codec/msgpack-skip.js';
import { MAX_NESTING } from '../codec/nesting.js';
import { encodeMessage } from './encode.js';
import { MessageCode, type Args, type Kwargs, type Message, type Payload } from './messages.js';
import { parseMessage } from './parse.js';

/**
 * A message's args (and kwargs) kept as they arrived, for the router to forward
 * without decoding: args in `source[start, argsEnd)`, kwargs (when present) in
 * `source[argsEnd, end)`. `source` is the received buffer, not a copy: transports
 * hand each read or frame its own buffer and never write to it again, and the
 * router forwards a payload within the turn it arrived in. decode() turns the
 * payload into values, once, for the readers that need them.
 */
export class RawPayload {
  readonly serializer: SerializerName = 'msgpack';
  private decoded: Payload | undefined;

  constructor(readonly source: Buffer, readonly start: number, readonly argsEnd: number, readonly end: number) {}

  /** How many elements the payload holds: 1 (args) or 2 (args, kwargs). */
  get count(): number {
    return this.argsEnd === this.end ? 1 : 2;
  }

  decode(): Payload {
    if (this.decoded === undefined) {
      const args = decodeMsgpackRange(this.source, this.start, this.argsEnd) as Args;
      this.decoded = this.argsEnd === this.end ? { args } : { args, kwargs: decodeMsgpackRange(this.source, this.argsEnd, this.end) as Kwargs };
    }
    return this.decoded;
  }
}

/** args/kwargs of a message, decoded from its raw payload when it has one. */
export function payloadOf(message: Payload): Payload {
  return message.raw === undefined ? message : message.raw.decode();
}

/** Elements before args in the messages the router forwards, by type code. */
const ENVELOPE_LENGTH: ReadonlyMap<number, number> = new Map([
  [MessageCode.ERROR, 5], [MessageCode.PUBLISH, 4], [MessageCode.CALL, 4], [MessageCode.YIELD, 3],
]);

/** Each element of the message array nests one level below it. */
const ELEMENT_DEPTH = MAX_NESTING - 1;

/**
 * Parse the MessagePack CALL, PUBLISH, YIELD or ERROR in `bytes[start, end)` with
 * its payload left encoded (RawPayload). Undefined for any other message and
 * anything unusual (see skipMsgpackValue, and any parse failure): the caller then
 * decodes and parses the whole message, so replies and errors stay the same.
 */
export function parseMsgpackWithRawPayload(bytes: Buffer, start: number, end: number): Message | undefined {
  const header = bytes[start];
  if (header === undefined || (header & 0xf0) !== 0x90 || start + 1 >= end) return undefined;
  const envelope = ENVELOPE_LENGTH.get(bytes[start + 1]!);
  const elements = header & 0x0f;
  if (envelope === undefined || elements <= envelope || elements > envelope + 2) return undefined;

  let argsStart = start + 1;
  for (let i = 0; i < envelope && argsStart >= 0; i++) argsStart = skipMsgpackValue(bytes, argsStart, end, ELEMENT_DEPTH);
  if (argsStart < 0 || !isArrayHeader(bytes[argsStart])) return undefined;
  const argsEnd = skipMsgpackValue(bytes, argsStart, end, ELEMENT_DEPTH);
  if (argsEnd < 0) return undefined;
  let payloadEnd = argsEnd;
  if (elements === envelope + 2) {
    if (!isMapHeader(bytes[argsEnd])) return undefined;
    payloadEnd = skipMsgpackValue(bytes, argsEnd, end, ELEMENT_DEPTH);
  }
  if (payloadEnd !== end) return undefined;
  // Empty trailing kwargs and args are dropped, as encodeMessage would.
  if (isEmpty(bytes, argsEnd, payloadEnd)) payloadEnd = argsEnd;
  const empty = payloadEnd === argsEnd && isEmpty(bytes, argsStart, argsEnd);

  // The envelope is decoded in place: the header briefly counts only its elements.
  let value: unknown;
  bytes[start] = 0x90 | envelope;
  try {
    value = decodeMsgpackRange(bytes, start, argsStart);
  } catch {
    return undefined;
  } finally {
    bytes[start] = header;
  }
  const parsed = parseMessage(value);
  if (!parsed.ok) return undefined;
  if (!empty) (parsed.message as Payload).raw = new RawPayload(bytes, argsStart, argsEnd, payloadEnd);
  return parsed.message;
}

/**
 * Encode a message for `codec`. A raw payload in the same serialization is
 * appended as it came, after the other elements; otherwise it is decoded first.
 */
export function encodeForWire(codec: Serializer, message: Message): Buffer {
  const raw = 'raw' in message ? message.raw : undefined;
  if (raw === undefined) return codec.encode(encodeMessage(message));
  if (raw.serializer !== codec.name) return codec.encode(encodeMessage({ ...message, ...raw.decode() }));
  const head = codec.encode(encodeMessage(message));
  const out = Buffer.allocUnsafe(head.length + raw.end - raw.start);
  head.copy(out);
  // The head holds at most 5 elements, so its header is a fixarray: add the payload's count.
  out[0] = head[0]! + raw.count;
  raw.source.copy(out, head.length, raw.start, raw.end);
  return out;
}

/** Whether the array or map in `bytes[pos, next)` is only a header (msgpackr writes {} as a map16). */
function isEmpty(bytes: Buffer, pos: number, next: number): boolean {
  if (next <= pos) return false;
  const b = bytes[pos]!;
  const headerLength = b <= 0x9f ? 1 : b === 0xdc || b === 0xde ? 3 : 5;
  return next - pos === headerLength;
}

function isArrayHeader(b: number | undefined): boolean {
  return b !== undefined && ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd);
}

function isMapHeader(b: number | undefined): boolean {
  return b !== undefined && ((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf);
}
