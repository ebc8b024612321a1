import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { skipMsgpackValue } from '../../src/codec/msgpack-skip.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const DEEP = 1000;

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** Keys msgpackr writes as strings, never "__proto__" (which the scanner refuses on purpose). */
const key = fc.string({ maxLength: 40 }).filter((k) => k !== '__proto__');

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'v' },
    fc.string({ maxLength: 300 }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.double(),
    fc.float().map((x) => Math.fround(x)),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie('value'), { maxLength: 20, depthIdentifier: 'v' }),
    fc.dictionary(key, tie('value'), { maxKeys: 20, noNullPrototype: true, depthIdentifier: 'v' }),
  ),
}));

describe('skipMsgpackValue', () => {
  it('finds the end of any value msgpackr packs, at any offset', () => {
    fc.assert(fc.property(value, fc.nat(5), (v, pad) => {
      const packed = packr.pack(v);
      const bytes = Buffer.concat([Buffer.alloc(pad, 0xc1), packed, Buffer.from([0x01])]);
      assert.equal(skipMsgpackValue(bytes, pad, bytes.length, DEEP), pad + packed.length);
    }), { numRuns: 500 });
  });

  it('returns -1 on every truncation', () => {
    fc.assert(fc.property(value, (v) => {
      const packed = packr.pack(v);
      for (let end = 0; end < packed.length; end++) assert.equal(skipMsgpackValue(packed, 0, end, DEEP), -1, `end ${end}`);
    }), { numRuns: 200 });
  });

  it('refuses extension types and 0xc1, also nested', () => {
    for (const bytes of ['c1', 'd4 01 00', 'd5 01 0000', 'd6 ff 00000000', 'd7 ff 0000000000000000', 'd8 01' + '00'.repeat(16),
      'c7 01 05 00', 'c8 0001 05 00', 'c9 00000001 05 00', '91 d6ff00000000', '81 a161 c1']) {
      assert.equal(skipMsgpackValue(hex(bytes), 0, hex(bytes).length, DEEP), -1, bytes);
    }
    assert.equal(skipMsgpackValue(packr.pack([new Date(0)]), 0, packr.pack([new Date(0)]).length, DEEP), -1);
  });

  it('refuses map keys that are not strings, and "__proto__"', () => {
    assert.equal(skipMsgpackValue(hex('81 01 02'), 0, 3, DEEP), -1);
    assert.equal(skipMsgpackValue(hex('81 c0 02'), 0, 3, DEEP), -1);
    assert.equal(skipMsgpackValue(hex('81 90 02'), 0, 3, DEEP), -1);
    const proto = Buffer.concat([hex('81 a9'), Buffer.from('__proto__'), hex('01')]);
    assert.equal(skipMsgpackValue(proto, 0, proto.length, DEEP), -1);
    const near = Buffer.concat([hex('81 a9'), Buffer.from('__proto_x'), hex('01')]);
    assert.equal(skipMsgpackValue(near, 0, near.length, DEEP), near.length);
    const str8 = Buffer.concat([hex('81 d9 01 61 01')]);
    assert.equal(skipMsgpackValue(str8, 0, str8.length, DEEP), str8.length);
  });

  it('counts the value itself as one level of nesting', () => {
    const nested = (levels: number): Buffer => Buffer.concat([Buffer.alloc(levels, 0x91), hex('01')]);
    assert.equal(skipMsgpackValue(nested(3), 0, 4, 3), 4);
    assert.equal(skipMsgpackValue(nested(3), 0, 4, 2), -1);
    assert.equal(skipMsgpackValue(hex('81 a1 61 81 a1 62 90'), 0, 7, 3), 7);
    assert.equal(skipMsgpackValue(hex('81 a1 61 81 a1 62 90'), 0, 7, 2), -1);
    assert.equal(skipMsgpackValue(hex('01'), 0, 1, 0), 1);
  });

  it('refuses counts past the end without walking them', () => {
    assert.equal(skipMsgpackValue(hex('dd ffffffff 01'), 0, 6, DEEP), -1);
    assert.equal(skipMsgpackValue(hex('df ffffffff 01'), 0, 6, DEEP), -1);
    assert.equal(skipMsgpackValue(hex('db ffffffff 01'), 0, 6, DEEP), -1);
    assert.equal(skipMsgpackValue(hex(''), 0, 0, DEEP), -1);
  });
});
