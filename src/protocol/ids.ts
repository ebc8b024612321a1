import { randomFillSync } from 'node:crypto';

/** WAMP ids are integers in 1..2^53 inclusive (the spec's "IDs" section). */
export const MAX_ID = 2 ** 53;

export function isValidId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID;
}

/*
 * Random ids are drawn from a pool of crypto bytes, refilled when used up, so a
 * router minting an id per publication does not pay for a system call each time.
 * Each id takes 53 random bits (21 from one word, 32 from the next): 0..2^53-1,
 * shifted by one to 1..2^53. Uniform over the whole range, as the spec asks
 * for global-scope ids.
 */
const POOL_WORDS = 512;
const pool = new Uint32Array(POOL_WORDS);
let poolIndex = POOL_WORDS;

/** A uniformly random id in 1..2^53 (session ids, publication ids). */
export function randomId(): number {
  if (poolIndex >= POOL_WORDS) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  const high = pool[poolIndex]! & 0x1f_ffff;
  const low = pool[poolIndex + 1]!;
  poolIndex += 2;
  return high * 0x1_0000_0000 + low + 1;
}

/**
 * Session-scope request ids: 1, 2, 3, ... for one direction of one session,
 * wrapping from 2^53 back to 1.
 */
export class RequestIds {
  private last: number;

  /** `first` is the first id next() returns (tests use it to start near the wrap). */
  constructor(first = 1) {
    if (!isValidId(first)) throw new RangeError(`RequestIds: first id ${first} is out of range 1..2^53`);
    this.last = first - 1;
  }

  next(): number {
    this.last = this.last >= MAX_ID ? 1 : this.last + 1;
    return this.last;
  }
}
