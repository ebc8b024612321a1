import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeFrame,
  FrameType,
  MAX_FRAME_PAYLOAD,
  RawSocketFramer,
  writeFrameHeader,
  type FrameRefusal,
} from '../../src/transport/rawsocket-framer.js';

interface Seen {
  frames: { type: FrameType; payload: string }[];
  refusals: { refusal: FrameRefusal; reason: string }[];
}

function framer(max: number): { framer: RawSocketFramer; seen: Seen } {
  const seen: Seen = { frames: [], refusals: [] };
  const f = new RawSocketFramer(max, {
    frame: (type, bytes, start, end) => seen.frames.push({ type, payload: bytes.toString('hex', start, end) }),
    refuse: (refusal, reason) => seen.refusals.push({ refusal, reason }),
  });
  return { framer: f, seen };
}

const payloads: [FrameType, Buffer][] = [
  [FrameType.message, Buffer.from('["hello"]')],
  [FrameType.ping, Buffer.from([1, 2, 3, 4])],
  [FrameType.message, Buffer.alloc(0)],
  [FrameType.pong, Buffer.from('pong')],
  [FrameType.message, Buffer.alloc(300, 0xab)],
];
const stream = Buffer.concat(payloads.map(([type, payload]) => encodeFrame(type, payload)));
const expected = payloads.map(([type, payload]) => ({ type, payload: payload.toString('hex') }));

describe('RawSocketFramer', () => {
  it('frames a stream pushed in one chunk', () => {
    const { framer: f, seen } = framer(1024);
    f.push(stream);
    assert.deepEqual(seen.frames, expected);
    assert.deepEqual(seen.refusals, []);
    assert.equal(f.bufferedBytes, 0);
  });

  it('frames the same stream split in two at every offset', () => {
    for (let at = 0; at <= stream.length; at++) {
      const { framer: f, seen } = framer(1024);
      f.push(stream.subarray(0, at));
      f.push(stream.subarray(at));
      assert.deepEqual(seen.frames, expected, `split at ${at}`);
      assert.equal(f.bufferedBytes, 0);
    }
  });

  it('frames the same stream fed one byte at a time', () => {
    const { framer: f, seen } = framer(1024);
    for (let i = 0; i < stream.length; i++) f.push(stream.subarray(i, i + 1));
    assert.deepEqual(seen.frames, expected);
  });

  it('emits nothing until a frame is complete and holds only that frame', () => {
    const { framer: f, seen } = framer(1024);
    const frame = encodeFrame(FrameType.message, Buffer.alloc(100, 1));
    f.push(frame.subarray(0, 50));
    assert.deepEqual(seen.frames, []);
    assert.equal(f.bufferedBytes, 46);
    f.push(frame.subarray(50));
    assert.equal(seen.frames.length, 1);
    assert.equal(f.bufferedBytes, 0);
  });

  it('copies a payload that spans chunks, and hands out a range of the chunk when it does not', () => {
    const payloadsSeen: Buffer[] = [];
    const ranges: { bytes: Buffer; start: number; end: number }[] = [];
    const f = new RawSocketFramer(1024, {
      frame: (_t, bytes, start, end) => {
        ranges.push({ bytes, start, end });
        payloadsSeen.push(Buffer.from(bytes.subarray(start, end)));
      },
      refuse: () => assert.fail('refused'),
    });
    const whole = encodeFrame(FrameType.message, Buffer.from('abcdef'));
    f.push(whole);
    assert.deepEqual({ ...ranges[0]!, bytes: ranges[0]!.bytes === whole }, { bytes: true, start: 4, end: 10 }, 'the chunk itself');
    const first = Buffer.from(whole.subarray(0, 6));
    const second = Buffer.from(whole.subarray(6));
    f.push(first);
    f.push(second);
    first.fill(0);
    second.fill(0);
    assert.equal(ranges[1]!.bytes.toString('utf8', ranges[1]!.start, ranges[1]!.end), 'abcdef', 'a copy');
    assert.equal(payloadsSeen[1]!.toString(), 'abcdef');
  });

  it('frames a header split across chunks after frames whose header was whole', () => {
    const { framer: f, seen } = framer(1024);
    const one = encodeFrame(FrameType.message, Buffer.from('one'));
    const two = encodeFrame(FrameType.message, Buffer.from('two'));
    f.push(Buffer.concat([one, two.subarray(0, 2)]));
    f.push(two.subarray(2, 3));
    f.push(Buffer.concat([two.subarray(3), one]));
    assert.deepEqual(seen.frames.map((x) => Buffer.from(x.payload, 'hex').toString()), ['one', 'two', 'one']);
  });

  it('accepts a frame of exactly the maximum size', () => {
    const { framer: f, seen } = framer(1000);
    f.push(encodeFrame(FrameType.message, Buffer.alloc(1000, 7)));
    assert.equal(seen.frames.length, 1);
    assert.deepEqual(seen.refusals, []);
  });

  it('reads a 2^24-octet frame announced with the 25th length bit', () => {
    const header = Buffer.alloc(4);
    writeFrameHeader(header, 0, FrameType.message, MAX_FRAME_PAYLOAD);
    assert.deepEqual([...header], [0x08, 0, 0, 0]);
    const sizes: number[] = [];
    const f = new RawSocketFramer(MAX_FRAME_PAYLOAD, { frame: (_t, _bytes, start, end) => sizes.push(end - start), refuse: () => assert.fail('refused') });
    f.push(header);
    const body = Buffer.alloc(MAX_FRAME_PAYLOAD);
    f.push(body.subarray(0, 1 << 20));
    f.push(body.subarray(1 << 20));
    assert.deepEqual(sizes, [MAX_FRAME_PAYLOAD]);
  });

  it('refuses an oversized frame from its header alone, before any body arrives', () => {
    const { framer: f, seen } = framer(512);
    const header = Buffer.alloc(4);
    writeFrameHeader(header, 0, FrameType.message, 513);
    f.push(header);
    assert.equal(seen.refusals.length, 1);
    assert.equal(seen.refusals[0]!.refusal, 'message_too_large');
    assert.match(seen.refusals[0]!.reason, /513 bytes is over the limit of 512/);
    assert.equal(f.failed, true);
    assert.equal(f.bufferedBytes, 0);
  });

  const refused: { name: string; bytes: number[]; refusal: FrameRefusal; reason: RegExp }[] = [
    { name: 'reserved bit 7', bytes: [0x80, 0, 0, 1, 0], refusal: 'bad_frame', reason: /reserved bits/ },
    { name: 'reserved bit 4', bytes: [0x10, 0, 0, 1, 0], refusal: 'bad_frame', reason: /reserved bits/ },
    { name: 'frame type 3', bytes: [0x03, 0, 0, 1, 0], refusal: 'bad_frame', reason: /type 3 is reserved/ },
    { name: 'frame type 7', bytes: [0x07, 0, 0, 0], refusal: 'bad_frame', reason: /type 7 is reserved/ },
    { name: '25th bit with low bits', bytes: [0x08, 0, 0, 1, 0], refusal: 'bad_frame', reason: /25th bit/ },
    { name: '25th bit over the max', bytes: [0x08, 0, 0, 0], refusal: 'message_too_large', reason: /16777216 bytes/ },
    { name: 'length over the max', bytes: [0x00, 0x01, 0x00, 0x00], refusal: 'message_too_large', reason: /65536 bytes/ },
    { name: 'PING over the max', bytes: [0x01, 0x00, 0x10, 0x01], refusal: 'message_too_large', reason: /4097 bytes/ },
    { name: 'HTTP request line', bytes: [...Buffer.from('GET / HTTP/1.1\r\n')], refusal: 'bad_frame', reason: /reserved bits/ },
  ];
  for (const entry of refused) {
    it(`refuses ${entry.name}, in one chunk and byte by byte, then ignores all later input`, () => {
      for (const byteWise of [false, true]) {
        const { framer: f, seen } = framer(4096);
        const bytes = Buffer.from(entry.bytes);
        if (byteWise) for (let i = 0; i < bytes.length; i++) f.push(bytes.subarray(i, i + 1));
        else f.push(bytes);
        f.push(encodeFrame(FrameType.message, Buffer.from('after')));
        assert.deepEqual(seen.frames, []);
        assert.equal(seen.refusals.length, 1, `${entry.name} byteWise=${byteWise}`);
        assert.equal(seen.refusals[0]!.refusal, entry.refusal);
        assert.match(seen.refusals[0]!.reason, entry.reason);
      }
    });
  }

  it('delivers the frames before a refused header', () => {
    const { framer: f, seen } = framer(4096);
    f.push(Buffer.concat([encodeFrame(FrameType.message, Buffer.from('ok')), Buffer.from([0x05, 0, 0, 0])]));
    assert.deepEqual(seen.frames, [{ type: FrameType.message, payload: Buffer.from('ok').toString('hex') }]);
    assert.equal(seen.refusals.length, 1);
  });
});

describe('writeFrameHeader', () => {
  it('writes type and 24-bit big-endian length', () => {
    const out = Buffer.alloc(4);
    writeFrameHeader(out, 0, FrameType.pong, 0x112233);
    assert.deepEqual([...out], [0x02, 0x11, 0x22, 0x33]);
    writeFrameHeader(out, 0, FrameType.message, MAX_FRAME_PAYLOAD - 1);
    assert.deepEqual([...out], [0x00, 0xff, 0xff, 0xff]);
  });
});
