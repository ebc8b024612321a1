import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError, decodeRange, jsonSerializer, msgpackSerializer } from '../../src/codec/index.js';
import { MAX_NESTING } from '../../src/codec/nesting.js';

const msgpack = msgpackSerializer;

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** The marker byte of the msgpack integer/float holding `n`, found in `bytes` at the position of its 8-byte body. */
function int64Marker(bytes: Buffer, n: number): number | undefined {
  const body = Buffer.alloc(8);
  body.writeBigInt64BE(BigInt(n));
  const at = bytes.indexOf(body);
  return at > 0 ? bytes[at - 1] : undefined;
}

describe('msgpack serializer', () => {
  it('round-trips a message with binary', () => {
    const value = [48, 7, { timeout: 10 }, 'com.app.proc', [Buffer.from([1, 2]), 'é', -1.5, null, false], { b: Buffer.alloc(0) }];
    assert.deepEqual(msgpack.decode(msgpack.encode(value)), value);
    assert.equal(msgpack.binary, true);
  });

  it('decodes a Uint8Array view that is not a Buffer', () => {
    const bytes = msgpack.encode([1, 'realm1', {}]);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes, 2);
    assert.deepEqual(msgpack.decode(padded.subarray(2, 2 + bytes.length)), [1, 'realm1', {}]);
  });

  it('writes ids above 2^32 as 64-bit integers, not floats', () => {
    const bytes = msgpack.encode([17, 2 ** 53, 2 ** 32 + 1]);
    assert.equal(bytes.toString('hex'), hex('93 11 d3 0020000000000000 d3 0000000100000001').toString('hex'));
    assert.equal(bytes.includes(0xcb), false);
    assert.deepEqual(msgpack.decode(bytes), [17, 2 ** 53, 2 ** 32 + 1]);
  });

  it('writes large integers as integers anywhere in a message, floats as floats', () => {
    const value = [36, 1, 2, { publisher: 2 ** 53 }, [2 ** 40, [-(2 ** 40)], { at: 1_700_000_000_000 }], { ids: [2 ** 53 - 1] }, 2 ** 40 + 0.5];
    const bytes = msgpack.encode(value);
    for (const n of [2 ** 53, 2 ** 40, -(2 ** 40), 1_700_000_000_000, 2 ** 53 - 1]) {
      const marker = int64Marker(bytes, n);
      assert.ok(marker === 0xd3 || marker === 0xcf, `${n} written with marker ${marker?.toString(16)}`);
    }
    const decoded = msgpack.decode(bytes);
    assert.deepEqual(decoded, value);
  });

  it('leaves the value it encodes untouched', () => {
    const args = [2 ** 40];
    const value = [48, 1, {}, 'p', args];
    msgpack.encode(value);
    assert.equal(typeof args[0], 'number');
    assert.equal(value[4], args);
  });

  it('refuses every truncation of a valid message with a CodecError', () => {
    const bytes = msgpack.encode([48, 2 ** 53, { timeout: 10 }, 'com.app.proc', ['x', Buffer.from([1, 2, 3])], { k: 1.5 }]);
    for (let end = 0; end < bytes.length; end++) {
      assert.throws(() => msgpack.decode(bytes.subarray(0, end)), CodecError, `prefix of ${end} bytes`);
    }
    assert.deepEqual(msgpack.decode(bytes), [48, 2 ** 53, { timeout: 10 }, 'com.app.proc', ['x', Buffer.from([1, 2, 3])], { k: 1.5 }]);
  });

  it('refuses trailing bytes', () => {
    assert.throws(() => msgpack.decode(hex('92 01 02 03')), CodecError);
    assert.throws(() => msgpack.decode(hex('01 01')), CodecError);
  });

  it(`accepts nesting up to ${MAX_NESTING} levels and refuses deeper`, () => {
    const atLimit = Buffer.concat([Buffer.alloc(MAX_NESTING, 0x91), hex('01')]);
    assert.equal(msgpack.encode(msgpack.decode(atLimit)).toString('hex'), atLimit.toString('hex'));
    assert.throws(() => msgpack.decode(Buffer.concat([Buffer.alloc(MAX_NESTING + 1, 0x91), hex('01')])), /more than 100 deep/);
    assert.throws(() => msgpack.decode(Buffer.concat([Buffer.alloc(100_000, 0x91), hex('01')])), CodecError);
    assert.deepEqual(msgpack.decode(hex('92 01 02')), [1, 2]);
  });
});

describe('decodeRange', () => {
  const value = [48, 7, { timeout: 10 }, 'com.app.proc', ['x'.repeat(100), Buffer.from([1, 2])], { k: 2 ** 40 }];
  const message = msgpack.encode(value);

  it('decodes a message in the middle of a larger buffer, for both serializers', () => {
    for (const serializer of [msgpackSerializer, jsonSerializer]) {
      const bytes = serializer.encode(value);
      const chunk = Buffer.concat([Buffer.from([0x93, 1, 2]), bytes, Buffer.from([0xc1, 0x91])]);
      assert.deepEqual(decodeRange(serializer, chunk, 3, 3 + bytes.length), value, serializer.name);
      assert.deepEqual(decodeRange(serializer, bytes, 0, bytes.length), value, serializer.name);
    }
  });

  it('refuses every truncation of a message followed by more bytes, never reading past the range', () => {
    const chunk = Buffer.concat([message, message]);
    for (let end = 0; end < message.length; end++) {
      assert.throws(() => decodeRange(msgpackSerializer, chunk, 0, end), CodecError, `prefix of ${end} bytes`);
      assert.throws(() => decodeRange(msgpackSerializer, chunk, message.length, message.length + end), CodecError, `second, prefix of ${end} bytes`);
    }
  });

  it('refuses trailing bytes and nesting past the limit inside the range', () => {
    const padded = (inner: Buffer): Buffer => Buffer.concat([Buffer.from([0xa1, 0x78]), inner, Buffer.from([0x01])]);
    const trailing = hex('92 01 02 03');
    assert.throws(() => decodeRange(msgpackSerializer, padded(trailing), 2, 2 + trailing.length), CodecError);
    const deep = Buffer.concat([Buffer.alloc(MAX_NESTING + 1, 0x91), hex('01')]);
    assert.throws(() => decodeRange(msgpackSerializer, padded(deep), 2, 2 + deep.length), /more than 100 deep/);
  });

  it('refuses an empty range like an empty message', () => {
    assert.throws(() => decodeRange(msgpackSerializer, message, 5, 5), CodecError);
    assert.throws(() => msgpack.decode(Buffer.alloc(0)), CodecError);
  });
});
