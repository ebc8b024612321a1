import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clockwise, closest, digitAt, digitCount, formatId, idFromBigint, idFromHex, isCloser, randomId, RING,
  ringDistance, sharedPrefixBits, sharedPrefixDigits,
} from '../../src/dht/ids.js';
import { seededRandom } from '../../src/dht/random.js';

const max = idFromBigint(RING - 1n);
const zero = idFromBigint(0n);

test('hex formatting pads to 32 digits and round-trips', () => {
  assert.equal(idFromBigint(255n).hex, `${'0'.repeat(30)}ff`);
  assert.equal(idFromHex('FF').value, 255n);
  assert.equal(formatId(max, 4), 'ffff');
  assert.throws(() => idFromBigint(RING), RangeError);
  assert.throws(() => idFromBigint(-1n), RangeError);
  assert.throws(() => idFromHex('xyz'), RangeError);
});

test('ring distance takes the shorter way round, wrapping at 2^128', () => {
  assert.equal(ringDistance(zero, max), 1n);
  assert.equal(ringDistance(max, zero), 1n);
  assert.equal(ringDistance(idFromBigint(10n), idFromBigint(3n)), 7n);
  assert.equal(ringDistance(zero, idFromBigint(RING / 2n)), RING / 2n);
  assert.equal(ringDistance(idFromBigint(5n), idFromBigint(RING - 5n)), 10n);
  assert.equal(clockwise(max, zero), 1n);
  assert.equal(clockwise(zero, max), RING - 1n);
});

test('shared prefix length at every bit and digit boundary', () => {
  for (let bit = 0; bit < 128; bit++) {
    const other = idFromBigint(1n << BigInt(127 - bit));
    assert.equal(sharedPrefixBits(zero, other), bit, `bit ${bit}`);
    for (const b of [1, 2, 3, 4, 5, 8]) {
      assert.equal(sharedPrefixDigits(zero, other, b), Math.floor(bit / b), `bit ${bit} b ${b}`);
    }
  }
  assert.equal(sharedPrefixBits(max, max), 128);
  assert.equal(sharedPrefixDigits(max, max, 4), 32);
  assert.equal(sharedPrefixDigits(max, max, 3), 43);
  assert.equal(sharedPrefixDigits(idFromHex('a1230000000000000000000000000000'), idFromHex('a12f0000000000000000000000000000'), 4), 3);
});

test('digits in base 2^b, including a short last digit', () => {
  const id = idFromHex('0123456789abcdeffedcba9876543210');
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => digitAt(id, i, 4)), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(digitAt(id, 31, 4), 0);
  assert.equal(digitAt(id, 0, 8), 0x01);
  assert.equal(digitAt(id, 15, 8), 0x10);
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => digitAt(id, i, 1)), [0, 0, 0, 0, 0, 0, 0, 1]);
  // b = 3: 0x012 = 0b0000_0001_0010 -> 000 000 010 010
  assert.deepEqual([0, 1, 2, 3].map((i) => digitAt(id, i, 3)), [0, 0, 2, 2]);
  assert.equal(digitCount(3), 43);
  assert.equal(digitAt(max, 42, 3), 0b11, 'the 43rd base-8 digit has 2 bits');
  assert.equal(digitAt(max, 25, 5), 0b111, 'the 26th base-32 digit has 3 bits');
  for (const b of [1, 2, 3, 5, 6, 7, 8]) {
    let rebuilt = 0n;
    for (let i = 0; i < digitCount(b); i++) {
      const width = Math.min(b, 128 - i * b);
      rebuilt = (rebuilt << BigInt(width)) | BigInt(digitAt(id, i, b));
    }
    assert.equal(rebuilt, id.value, `b ${b}`);
  }
});

test('closest picks the numerically closest, across the wrap, ties to the smaller id', () => {
  const nodes = [5n, 100n, RING - 3n].map((v) => ({ id: idFromBigint(v) }));
  assert.equal(closest(idFromBigint(0n), nodes)?.id.value, RING - 3n);
  assert.equal(closest(idFromBigint(60n), nodes)?.id.value, 100n);
  assert.equal(closest(idFromBigint(1n), nodes)?.id.value, 5n);
  assert.equal(closest(zero, []), undefined);
  assert.equal(isCloser(idFromBigint(10n), idFromBigint(8n), idFromBigint(12n)), true);
  assert.equal(isCloser(idFromBigint(10n), idFromBigint(12n), idFromBigint(8n)), false);
});

test('random ids come from the injected source, repeatably', () => {
  const a = randomId(seededRandom(42));
  const b = randomId(seededRandom(42));
  assert.equal(a.hex, b.hex);
  assert.notEqual(randomId(seededRandom(43)).hex, a.hex);
  assert.equal(randomId(() => 0).value, 0n);
  assert.equal(randomId(() => 0.9999999999).value, RING - 1n);
});
