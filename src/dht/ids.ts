import type { RandomSource } from './random.js';

/**
 * 128-bit Pastry ids (node ids and keys). An `Id` carries its value twice: as a bigint for
 * exact ring arithmetic, and as 32 lower-case hex digits for digit and prefix work, which
 * then reads char codes and allocates nothing (about 10x faster than the same on bigints,
 * and prefix length is what every routing step and table update computes).
 */
export interface Id {
  readonly value: bigint;
  readonly hex: string;
}

export const ID_BITS = 128;
export const RING = 1n << 128n;
const MASK = RING - 1n;
const HALF = RING >> 1n;

export function idFromBigint(value: bigint): Id {
  if (value < 0n || value > MASK) throw new RangeError(`id out of range: ${value}`);
  return { value, hex: value.toString(16).padStart(32, '0') };
}

export function idFromHex(hex: string): Id {
  if (!/^[0-9a-fA-F]{1,32}$/.test(hex)) throw new RangeError(`not a 128-bit hex id: "${hex}"`);
  return idFromBigint(BigInt(`0x${hex}`));
}

/** A uniformly random id; four 32-bit draws from the source. */
export function randomId(random: RandomSource): Id {
  let value = 0n;
  for (let i = 0; i < 4; i++) value = (value << 32n) | BigInt(Math.floor(random() * 4294967296));
  return idFromBigint(value);
}

/** The hex text of an id, whole or its first `digits` hex digits. */
export function formatId(id: Id, digits = 32): string {
  return id.hex.slice(0, digits);
}

export function checkDigitBits(b: number): void {
  if (!Number.isInteger(b) || b < 1 || b > 8) throw new RangeError(`b must be an integer in 1..8, got ${b}`);
}

/** Digits of an id in base 2^b: ceil(128 / b), the last one shorter when b does not divide 128. */
export function digitCount(b: number): number {
  return Math.ceil(ID_BITS / b);
}

function nibble(hex: string, i: number): number {
  const c = hex.charCodeAt(i);
  return c < 58 ? c - 48 : c - 87;
}

/** Digit `index` (0 = most significant) of an id in base 2^b. */
export function digitAt(id: Id, index: number, b: number): number {
  const start = index * b;
  const width = Math.min(b, ID_BITS - start);
  if (b === 4) return nibble(id.hex, index);
  let bits = 0;
  const first = start >> 2;
  const last = (start + width - 1) >> 2;
  for (let i = first; i <= last; i++) bits = (bits << 4) | nibble(id.hex, i);
  const right = (last + 1) * 4 - (start + width);
  return (bits >>> right) & ((1 << width) - 1);
}

/** The number of leading bits two ids share (128 when equal). */
export function sharedPrefixBits(a: Id, b: Id): number {
  const x = a.hex;
  const y = b.hex;
  for (let i = 0; i < 32; i++) {
    const cx = x.charCodeAt(i);
    const cy = y.charCodeAt(i);
    if (cx !== cy) return i * 4 + Math.clz32(nibble(x, i) ^ nibble(y, i)) - 28;
  }
  return ID_BITS;
}

/** The number of leading base-2^b digits two ids share (digitCount(b) when equal). */
export function sharedPrefixDigits(a: Id, b: Id, digitBits: number): number {
  const bits = sharedPrefixBits(a, b);
  return bits === ID_BITS ? digitCount(digitBits) : Math.floor(bits / digitBits);
}

/** Distance going up (clockwise) from `from` to `to`, modulo 2^128. */
export function clockwise(from: Id, to: Id): bigint {
  return (to.value - from.value) & MASK;
}

/** Distance on the ring: the shorter of the two directions. */
export function ringDistance(a: Id, b: Id): bigint {
  const d = (a.value - b.value) & MASK;
  return d > HALF ? RING - d : d;
}

/**
 * Whether `a` is strictly closer to `key` than `b`. Equal distances (the key exactly half way)
 * go to the smaller id, so every node agrees on one closest node.
 */
export function isCloser(key: Id, a: Id, b: Id): boolean {
  const da = ringDistance(key, a);
  const db = ringDistance(key, b);
  return da < db || (da === db && a.value < b.value);
}

/** The candidate numerically closest to `key`, or undefined when there are none. */
export function closest<T extends { readonly id: Id }>(key: Id, candidates: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const candidate of candidates) {
    if (best === undefined || isCloser(key, candidate.id, best.id)) best = candidate;
  }
  return best;
}

export function sameId(a: Id, b: Id): boolean {
  return a.value === b.value;
}
