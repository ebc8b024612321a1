import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  announcedBytes,
  encodeHandshake,
  encodeHandshakeError,
  HandshakeErrorCode,
  lengthExponent,
  parseHandshakeReply,
  parseHandshakeRequest,
} from '../../src/transport/rawsocket-handshake.js';

describe('RawSocket handshake', () => {
  it('announces the largest power of two not above the limit, within 2^9..2^24', () => {
    const table: [number, number][] = [
      [512, 0], [1023, 0], [1024, 1], [65536, 7], [100_000, 7], [2 ** 24, 15], [2 ** 26, 15], [1, 0],
    ];
    for (const [bytes, exponent] of table) assert.equal(lengthExponent(bytes), exponent, String(bytes));
    assert.equal(announcedBytes(100_000), 65536);
  });

  it('encodes request and success reply as 0x7F LLLLSSSS 0 0', () => {
    assert.deepEqual([...encodeHandshake('json', 2 ** 24)], [0x7f, 0xf1, 0, 0]);
    assert.deepEqual([...encodeHandshake('msgpack', 512)], [0x7f, 0x02, 0, 0]);
    assert.deepEqual([...encodeHandshakeError(HandshakeErrorCode.maxConnections)], [0x7f, 0x40, 0, 0]);
  });

  it('accepts a valid request and reads the peer maximum', () => {
    const parsed = parseHandshakeRequest(Buffer.from([0x7f, 0x52, 0, 0]), ['json', 'msgpack']);
    assert.deepEqual(parsed, { ok: true, serializer: 'msgpack', peerMaxBytes: 2 ** 14 });
  });

  const refusals: { name: string; bytes: number[]; reply: number[] | undefined; reason: RegExp; accepted?: ('json' | 'msgpack')[] }[] = [
    { name: 'bad magic', bytes: [0x47, 0x45, 0x54, 0x20], reply: undefined, reason: /not a RawSocket handshake/ },
    { name: 'reserved octet 3', bytes: [0x7f, 0xf1, 0x01, 0], reply: [0x7f, 0x30, 0, 0], reason: /reserved/ },
    { name: 'reserved octet 4', bytes: [0x7f, 0xf1, 0, 0x80], reply: [0x7f, 0x30, 0, 0], reason: /reserved/ },
    { name: 'serializer 0', bytes: [0x7f, 0xf0, 0, 0], reply: [0x7f, 0x10, 0, 0], reason: /illegal serializer/ },
    { name: 'CBOR', bytes: [0x7f, 0xf3, 0, 0], reply: [0x7f, 0x10, 0, 0], reason: /serializer 3 \(cbor\)/ },
    { name: 'reserved serializer', bytes: [0x7f, 0xfa, 0, 0], reply: [0x7f, 0x10, 0, 0], reason: /serializer 10/ },
    { name: 'a serializer not enabled', bytes: [0x7f, 0xf1, 0, 0], reply: [0x7f, 0x10, 0, 0], reason: /speaks msgpack/, accepted: ['msgpack'] },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name} with the spec's reply`, () => {
      const parsed = parseHandshakeRequest(Buffer.from(r.bytes), r.accepted ?? ['json', 'msgpack']);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.deepEqual(parsed.reply === undefined ? undefined : [...parsed.reply], r.reply);
      assert.match(parsed.reason, r.reason);
    });
  }

  it('refuses a client maximum below the required one with "maximum message length unacceptable"', () => {
    const parsed = parseHandshakeRequest(Buffer.from([0x7f, 0x01, 0, 0]), ['json'], 4096);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.deepEqual([...parsed.reply!], [0x7f, 0x20, 0, 0]);
  });

  it('reads router replies: success, each error, a wrong serializer', () => {
    assert.deepEqual(parseHandshakeReply(Buffer.from([0x7f, 0x92, 0, 0]), 'msgpack'), { ok: true, peerMaxBytes: 2 ** 18 });
    const texts: [number, RegExp][] = [
      [0x10, /serializer unsupported/], [0x20, /maximum message length unacceptable/],
      [0x30, /use of reserved bits/], [0x40, /maximum connection count reached/], [0x70, /error 7/],
    ];
    for (const [second, text] of texts) {
      const reply = parseHandshakeReply(Buffer.from([0x7f, second, 0, 0]), 'json');
      assert.equal(reply.ok, false);
      if (!reply.ok) assert.match(reply.reason, text);
    }
    const wrong = parseHandshakeReply(Buffer.from([0x7f, 0xf1, 0, 0]), 'msgpack');
    assert.equal(wrong.ok, false);
    const notRawSocket = parseHandshakeReply(Buffer.from('HTTP'), 'json');
    assert.equal(notRawSocket.ok, false);
  });
});
