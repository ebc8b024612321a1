import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ID, RequestIds, isValidId, randomId } from '../../src/protocol/ids.js';

describe('ids', () => {
  it('MAX_ID is 2^53', () => {
    assert.equal(MAX_ID, 9007199254740992);
  });

  it('isValidId accepts integers in 1..2^53 only', () => {
    for (const good of [1, 2, 1000, 2 ** 32, 2 ** 53 - 1, 2 ** 53]) assert.equal(isValidId(good), true, String(good));
    for (const bad of [0, -1, 1.5, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY, '1', 1n, null, undefined]) {
      assert.equal(isValidId(bad), false, String(bad));
    }
  });

  it('randomId gives valid ids spread over the whole range', () => {
    const seen = new Set<number>();
    let above2to52 = 0;
    let below2to32 = 0;
    const n = 4000; // several pool refills
    for (let i = 0; i < n; i++) {
      const id = randomId();
      assert.ok(isValidId(id), `invalid id ${id}`);
      seen.add(id);
      if (id > 2 ** 52) above2to52++;
      if (id <= 2 ** 32) below2to32++;
    }
    assert.equal(seen.size, n);
    // Uniform over 1..2^53: about half lie above 2^52; almost none at or below 2^32.
    assert.ok(above2to52 > n * 0.4 && above2to52 < n * 0.6, `above 2^52: ${above2to52}`);
    assert.ok(below2to32 < 3, `at or below 2^32: ${below2to32}`);
  });

  it('RequestIds counts 1, 2, 3, ...', () => {
    const ids = new RequestIds();
    assert.deepEqual([ids.next(), ids.next(), ids.next()], [1, 2, 3]);
  });

  it('RequestIds sequences are independent', () => {
    const a = new RequestIds();
    const b = new RequestIds();
    a.next();
    a.next();
    assert.equal(b.next(), 1);
    assert.equal(a.next(), 3);
  });

  it('RequestIds wraps from 2^53 back to 1', () => {
    const ids = new RequestIds(MAX_ID - 1);
    assert.deepEqual([ids.next(), ids.next(), ids.next(), ids.next()], [MAX_ID - 1, MAX_ID, 1, 2]);
  });

  it('RequestIds refuses a first id out of range', () => {
    assert.throws(() => new RequestIds(0), RangeError);
    assert.throws(() => new RequestIds(MAX_ID + 2), RangeError);
  });
});
