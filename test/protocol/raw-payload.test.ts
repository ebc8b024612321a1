import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonSerializer, msgpackSerializer } from '../../src/codec/index.js';
import { encodeMessage, parseMessage } from '../../src/protocol/parse.js';
import type { Message, Payload } from '../../src/protocol/messages.js';
import { encodeForWire, parseMsgpackWithRawPayload, payloadOf, RawPayload } from '../../src/protocol/raw-payload.js';
import { message } from './arbitraries.js';

const msgpack = msgpackSerializer;
const FORWARDED: ReadonlySet<string> = new Set(['CALL', 'PUBLISH', 'YIELD', 'ERROR']);

function fullParse(bytes: Buffer): Message {
  const parsed = parseMessage(msgpack.decode(bytes));
  assert.ok(parsed.ok);
  return parsed.message;
}

/** The message with its raw payload decoded into args/kwargs, as the full decode gives it. */
function decoded(m: Message): Message {
  if (!('raw' in m) || m.raw === undefined) return m;
  const { raw: _, ...rest } = m;
  return { ...rest, ...payloadOf(m) } as Message;
}

/** What the router sends on for a forwarded message: the same payload in another envelope. */
function forward(payload: Payload): Message {
  return { type: 'RESULT', requestId: 7, details: {}, args: payload.args, kwargs: payload.kwargs, raw: payload.raw };
}

describe('parseMsgpackWithRawPayload', () => {
  it('gives the full parse, with the payload kept raw, for CALL, PUBLISH, YIELD and ERROR with a payload', () => {
    fc.assert(fc.property(message, (original) => {
      const bytes = msgpack.encode(encodeMessage(original));
      const before = Buffer.from(bytes);
      const full = fullParse(bytes);
      const split = parseMsgpackWithRawPayload(bytes, 0, bytes.length);
      assert.ok(bytes.equals(before), 'the input is left as it was');
      const hasPayload = 'args' in full && full.args !== undefined;
      if (!FORWARDED.has(full.type) || !hasPayload) {
        assert.equal(split, undefined);
        return;
      }
      assert.ok(split !== undefined && 'raw' in split && split.raw instanceof RawPayload);
      assert.equal('args' in split, false);
      assert.deepEqual(decoded(split), full);
    }), { numRuns: 400 });
  });

  it('forwards the payload bytes unchanged to MessagePack, and as the full decode would to JSON', () => {
    fc.assert(fc.property(message, (original) => {
      const bytes = msgpack.encode(encodeMessage(original));
      const split = parseMsgpackWithRawPayload(bytes, 0, bytes.length);
      if (split === undefined) return;
      const viaRaw = forward(split as Payload);
      const viaValues = forward(fullParse(bytes) as Payload);
      assert.ok(encodeForWire(msgpack, viaRaw).equals(msgpack.encode(encodeMessage(viaValues))));
      assert.ok(encodeForWire(jsonSerializer, viaRaw).equals(jsonSerializer.encode(encodeMessage(viaValues))));
    }), { numRuns: 300 });
  });

  it('reads a message inside a larger buffer', () => {
    const inner = msgpack.encode([48, 1, {}, 'a.b', [1, 'x'], { k: true }]);
    const bytes = Buffer.concat([Buffer.from([0xc1, 0xc1]), inner, Buffer.from([0xc1])]);
    const split = parseMsgpackWithRawPayload(bytes, 2, 2 + inner.length);
    assert.ok(split?.type === 'CALL');
    assert.deepEqual(payloadOf(split), { args: [1, 'x'], kwargs: { k: true } });
    assert.equal(split.raw?.count, 2);
  });

  it('drops empty trailing kwargs and args, as encodeMessage does', () => {
    const kwEmpty = parseMsgpackWithRawPayload(...whole(msgpack.encode([48, 1, {}, 'a.b', [1], {}])));
    assert.ok(kwEmpty !== undefined && 'raw' in kwEmpty);
    assert.equal(kwEmpty.raw?.count, 1);
    assert.deepEqual(payloadOf(kwEmpty), { args: [1] });
    const bothEmpty = parseMsgpackWithRawPayload(...whole(msgpack.encode([70, 1, {}, [], {}])));
    assert.deepEqual(bothEmpty, { type: 'YIELD', requestId: 1, options: {} });
    const argsEmpty = parseMsgpackWithRawPayload(...whole(msgpack.encode([70, 1, {}, []])));
    assert.deepEqual(argsEmpty, { type: 'YIELD', requestId: 1, options: {} });
    const fixmapEmpty = Buffer.from([0x95, 70, 1, 0x80, 0x91, 0x01, 0x80]);
    assert.equal(rawOf(parseMsgpackWithRawPayload(...whole(fixmapEmpty)))?.count, 1);
    const argsEmptyKwargs = parseMsgpackWithRawPayload(...whole(msgpack.encode([70, 1, {}, [], { a: 1 }])));
    assert.ok(argsEmptyKwargs?.type === 'YIELD');
    assert.deepEqual(payloadOf(argsEmptyKwargs), { args: [], kwargs: { a: 1 } });
  });

  it('falls back (undefined) on anything unusual', () => {
    const cases: [string, Buffer][] = [
      ['other message type', msgpack.encode([64, 1, {}, 'a.b'])],
      ['no payload', msgpack.encode([48, 1, {}, 'a.b'])],
      ['extension type in args', Buffer.concat([Buffer.from([0x95, 48, 1, 0x80, 0xa3, 0x61, 0x2e, 0x62, 0x91]), Buffer.from([0xd4, 1, 0])])],
      ['non-string key in kwargs', Buffer.from([0x96, 48, 1, 0x80, 0xa3, 0x61, 0x2e, 0x62, 0x90, 0x81, 0x01, 0x02])],
      ['args not an array', msgpack.encode([48, 1, {}, 'a.b', 'x'])],
      ['kwargs not a map', msgpack.encode([48, 1, {}, 'a.b', [], [1]])],
      ['bad envelope', msgpack.encode([48, 1, [], 'a.b', [1]])],
      ['invalid URI', msgpack.encode([48, 1, {}, 'a..b', [1]])],
      ['too many elements', msgpack.encode([70, 1, {}, [1], {}, 1])],
      ['trailing bytes', Buffer.concat([msgpack.encode([70, 1, {}, [1]]), Buffer.from([1])])],
      ['array16 header', Buffer.from([0xdc, 0, 4, 70, 1, 0x80, 0x91, 1])],
      ['nests too deep', msgpack.encode([70, 1, {}, nested(100)])],
    ];
    for (const [name, bytes] of cases) assert.equal(parseMsgpackWithRawPayload(bytes, 0, bytes.length), undefined, name);
    const full = msgpack.encode([70, 1, {}, [1, 2, 3], { a: 1 }]);
    for (let end = 1; end < full.length; end++) assert.equal(parseMsgpackWithRawPayload(full, 0, end), undefined, `truncated at ${end}`);
    // The same limit as the full decode: the message array is the first level.
    assert.throws(() => msgpack.decode(msgpack.encode([70, 1, {}, nested(100)])));
    const deepest = msgpack.encode([70, 1, {}, nested(99)]);
    assert.deepEqual(decoded(parseMsgpackWithRawPayload(...whole(deepest))!), fullParse(deepest));
  });

  it('forwards integers past 2^53 exactly', () => {
    const bytes = Buffer.from([0x94, 70, 1, 0x80, 0x91, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const split = parseMsgpackWithRawPayload(bytes, 0, bytes.length);
    assert.ok(split !== undefined);
    const out = encodeForWire(msgpack, forward(split as Payload));
    assert.deepEqual(out.subarray(out.length - 9), bytes.subarray(bytes.length - 9));
  });
});

function rawOf(m: Message | undefined): RawPayload | undefined {
  return m !== undefined && 'raw' in m ? m.raw : undefined;
}

function whole(bytes: Buffer): [Buffer, number, number] {
  return [bytes, 0, bytes.length];
}

/** An array nesting `levels` arrays deep (itself included). */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}
