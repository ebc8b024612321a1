/**
 * Arbitrary bytes from the wire: the JSON and MessagePack codecs and the RawSocket
 * framer never throw anything but their documented failure (CodecError; the
 * framer's refuse() callback, it never throws) and never hang. Runs are bounded;
 * each decode must also finish quickly, so a count in a header that makes a
 * decoder walk (or allocate) billions of elements fails the property instead of
 * stalling the suite. test/protocol/robustness.test.ts covers parseMessage on
 * decoded values; test/codec/msgpack*.test.ts covers truncations of valid input.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CodecError, decodeRange, jsonSerializer, msgpackSerializer, type Serializer } from '../../src/codec/index.js';
import { encodeMessage } from '../../src/protocol/parse.js';
import { parseMsgpackWithRawPayload } from '../../src/protocol/raw-payload.js';
import { FRAME_HEADER_BYTES, FrameType, RawSocketFramer, type FrameRefusal } from '../../src/transport/rawsocket-framer.js';
import { message as messageArb } from '../protocol/arbitraries.js';

/** Much more than any decode of a few hundred bytes takes, even on a loaded machine. */
const SLOW_MS = 1000;

/** MessagePack lead bytes with a count or length after them (array/map/str/bin/ext 8, 16, 32), then anything. */
const msgpackHeaders = fc.tuple(
  fc.constantFrom(0xdc, 0xdd, 0xde, 0xdf, 0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc1, 0x9f, 0x8f),
  fc.constantFrom(Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from([0x00, 0x01]), Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 64 }),
).map(([lead, count, rest]) => Buffer.concat([Buffer.from([lead]), count, rest]));

/** A valid message of either serializer with bytes flipped, cut, or spliced. */
function mutated(serializer: Serializer): fc.Arbitrary<Buffer> {
  return fc.tuple(messageArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean()).map(([message, flips, cut, truncate]) => {
    const bytes = Buffer.from(serializer.encode(encodeMessage(message)));
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return truncate && bytes.length > 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
  });
}

/**
 * Deep nesting, closed (valid) or not, in both encodings: nesting past the limit must
 * be a CodecError, not a stack overflow. MessagePack: fixarray(1) / fixmap(1) "a" openers, then nil.
 */
const deep = fc.tuple(
  fc.integer({ min: 1, max: 5000 }),
  fc.constantFrom(['[', ']'], ['{"a":', '}'], ['\u0091', ''], ['\u0081\u00a1a', '']),
  fc.boolean(),
).map(([depth, [open, close], closed]) => {
  const inner = open.startsWith('[') || open.startsWith('{') ? '1' : '\u00c0';
  return Buffer.from(open.repeat(depth) + (closed ? inner + close.repeat(depth) : ''), 'latin1');
});

function bytesFor(serializer: Serializer): fc.Arbitrary<Buffer> {
  const text = fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 64 })).map((s) => Buffer.from(s, 'utf8'));
  return fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    serializer === msgpackSerializer ? msgpackHeaders : text,
    mutated(serializer),
    deep,
  );
}

/** Runs `decode`; passes when it returns or throws a CodecError of that serializer, quickly. */
function decodesOrRefuses(serializer: Serializer, decode: () => unknown): void {
  const started = performance.now();
  try {
    decode();
  } catch (error) {
    assert.ok(error instanceof CodecError, `${serializer.name} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    assert.equal(error.serializer, serializer.name);
    assert.ok(error.message.length > serializer.name.length + 2, 'the error says what is wrong');
  }
  const took = performance.now() - started;
  assert.ok(took < SLOW_MS, `${serializer.name} took ${took.toFixed(0)} ms`);
}

for (const serializer of [jsonSerializer, msgpackSerializer]) {
  describe(`${serializer.name} decoding arbitrary bytes`, { timeout: 60_000 }, () => {
    it('returns a value or throws CodecError, quickly', () => {
      fc.assert(fc.property(bytesFor(serializer), (bytes) => decodesOrRefuses(serializer, () => serializer.decode(bytes))), { numRuns: 400 });
    });

    it('decodeRange: the same over any range of a larger buffer, never reading outside it', () => {
      fc.assert(fc.property(bytesFor(serializer), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        const before = Buffer.from(bytes);
        decodesOrRefuses(serializer, () => decodeRange(serializer, bytes, start, end));
        assert.ok(bytes.equals(before), 'the input is left as it was');
        // Whatever lies outside the range does not change the outcome.
        const walled = Buffer.concat([Buffer.from([0xc1, 0x5d]), bytes.subarray(start, end), Buffer.from([0xc1, 0x5b])]);
        const inRange = outcome(() => decodeRange(serializer, bytes, start, end));
        assert.equal(outcome(() => decodeRange(serializer, walled, 2, 2 + (end - start))), inRange);
      }), { numRuns: 300 });
    });
  });
}

/** What a decode gave, as text: inspect() also tells apart values deepEqual cannot (an Invalid Date from a timestamp extension is not equal to itself). */
function outcome(decode: () => unknown): string {
  try {
    return `ok ${inspect(decode(), { depth: null, maxArrayLength: null, maxStringLength: null })}`;
  } catch {
    return 'refused';
  }
}

describe('MessagePack passthrough parsing (parseMsgpackWithRawPayload) of arbitrary bytes', { timeout: 60_000 }, () => {
  it('returns a message or undefined, never throws, quickly', () => {
    fc.assert(fc.property(bytesFor(msgpackSerializer), (bytes) => {
      const started = performance.now();
      const message = parseMsgpackWithRawPayload(bytes, 0, bytes.length);
      assert.ok(message === undefined || typeof message.type === 'string');
      assert.ok(performance.now() - started < SLOW_MS);
    }), { numRuns: 400 });
  });
});

describe('RawSocket framer on arbitrary bytes in arbitrary chunks', { timeout: 60_000 }, () => {
  interface Seen {
    frames: { type: number; payload: string }[];
    refusals: { refusal: FrameRefusal; reason: string }[];
    framesAfterRefusal: number;
  }

  function frameAll(chunks: readonly Buffer[], max: number): Seen {
    const seen: Seen = { frames: [], refusals: [], framesAfterRefusal: 0 };
    const framer = new RawSocketFramer(max, {
      frame: (type, bytes, start, end) => {
        if (seen.refusals.length > 0) seen.framesAfterRefusal += 1;
        assert.ok(start >= 0 && start <= end && end <= bytes.length, `range ${start}..${end} of ${bytes.length}`);
        assert.ok(end - start <= max, `a frame of ${end - start} bytes over the limit ${max}`);
        seen.frames.push({ type, payload: bytes.subarray(start, end).toString('hex') });
      },
      refuse: (refusal, reason) => seen.refusals.push({ refusal, reason }),
    });
    for (const chunk of chunks) {
      framer.push(chunk);
      assert.ok(framer.bufferedBytes <= max + FRAME_HEADER_BYTES, `holds ${framer.bufferedBytes} bytes, more than one frame`);
    }
    return seen;
  }

  /** Mostly valid frame headers (so bodies are read), with garbage and bad headers mixed in. */
  const stream = fc.array(fc.oneof(
    fc.tuple(fc.constantFrom(0, 1, 2, 3, 7, 0x08, 0x10, 0x80), fc.uint8Array({ maxLength: 40 })).map(([first, body]) => {
      const header = Buffer.from([first, 0, 0, body.length]);
      return Buffer.concat([header, body]);
    }),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  ), { maxLength: 8 }).map((parts) => Buffer.concat(parts));

  /** Cut `bytes` into chunks at the given offsets. */
  function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
    const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const cut of at) {
      chunks.push(bytes.subarray(from, cut));
      from = cut;
    }
    chunks.push(bytes.subarray(from));
    return chunks;
  }

  it('never throws; refuses at most once and frames nothing after; the outcome does not depend on the chunking', () => {
    fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom(0, 16, 40, 2 ** 24), (bytes, cuts, max) => {
      const whole = frameAll([bytes], max);
      const chunked = frameAll(split(bytes, cuts), max);
      const byteByByte = frameAll([...bytes].map((b) => Buffer.from([b])), max);
      for (const seen of [whole, chunked, byteByByte]) {
        assert.ok(seen.refusals.length <= 1, `refused ${seen.refusals.length} times`);
        assert.equal(seen.framesAfterRefusal, 0);
        for (const frame of seen.frames) assert.ok(frame.type === FrameType.message || frame.type === FrameType.ping || frame.type === FrameType.pong);
        for (const r of seen.refusals) assert.ok(r.reason.length > 0);
      }
      assert.deepEqual(chunked, whole);
      assert.deepEqual(byteByByte, whole);
    }), { numRuns: 300 });
  });

  it('pure noise: never throws, and a refusal names why', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), fc.array(fc.nat(), { maxLength: 4 }), (noise, cuts) => {
      const seen = frameAll(split(Buffer.from(noise), cuts), 1024);
      assert.ok(seen.refusals.length <= 1);
      if (seen.refusals.length === 1) assert.ok(['bad_frame', 'message_too_large'].includes(seen.refusals[0]!.refusal));
    }), { numRuns: 300 });
  });
});
