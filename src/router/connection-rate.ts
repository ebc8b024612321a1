import { TokenBuckets, type Take } from './token-buckets.js';

export interface ConnectionRateOptions {
  /** Connections one address may open at once, and again every windowMs. */
  perAddress: number;
  windowMs: number;
  /** Addresses tracked at once; past it the least recently seen is forgotten. Default 10000. */
  maxTracked?: number;
  /** Milliseconds clock, for tests. Default Date.now. */
  now?: () => number;
}

export type RateDecision = Take;

/**
 * New connections per address key: each takes a token; tokens come back at
 * perAddress per windowMs, up to perAddress. The table is bounded.
 */
export class ConnectionRateLimiter {
  private readonly buckets: TokenBuckets;

  constructor(options: ConnectionRateOptions) {
    this.buckets = new TokenBuckets({ capacity: options.perAddress, windowMs: options.windowMs, maxTracked: options.maxTracked ?? 10_000, now: options.now ?? Date.now });
  }

  admit(key: string): RateDecision {
    return this.buckets.take(key);
  }

  get tracked(): number {
    return this.buckets.tracked;
  }
}
