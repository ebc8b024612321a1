export interface ConnectionRateOptions {
  /** Connections one address may open at once, and again every windowMs. */
  perAddress: number;
  windowMs: number;
  /** Addresses tracked at once; past it the least recently seen is forgotten. Default 10000. */
  maxTracked?: number;
  /** Milliseconds clock, for tests. Default Date.now. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** True once this lockout was logged. */
  logged: boolean;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

/**
 * A token bucket per address key: each new connection takes a token; tokens
 * come back at perAddress per windowMs, up to perAddress. The table is bounded:
 * a Map in least-recently-seen order, the oldest forgotten first.
 */
export class ConnectionRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly msPerToken: number;

  constructor(private readonly options: ConnectionRateOptions) {
    this.maxTracked = options.maxTracked ?? 10_000;
    this.now = options.now ?? Date.now;
    this.msPerToken = options.windowMs / options.perAddress;
  }

  admit(key: string): RateDecision {
    const now = this.now();
    const bucket = this.take(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.logged = false;
      return { allowed: true };
    }
    const firstRefusal = !bucket.logged;
    bucket.logged = true;
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) * this.msPerToken), firstRefusal };
  }

  get tracked(): number {
    return this.buckets.size;
  }

  /** The key's bucket, refilled to now and moved to the most recent end. */
  private take(key: string, now: number): Bucket {
    const { perAddress } = this.options;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxTracked) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      bucket = { tokens: perAddress, at: now, logged: false };
    } else {
      this.buckets.delete(key);
      bucket.tokens = Math.min(perAddress, bucket.tokens + Math.max(0, now - bucket.at) / this.msPerToken);
      bucket.at = now;
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}
