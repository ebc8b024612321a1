export interface TokenBucketOptions {
  /** Tokens a key starts with and may hold. */
  capacity: number;
  /** Time in which an empty bucket fills up again (one token per windowMs / capacity). */
  windowMs: number;
  /** Keys tracked at once; past it, full buckets are forgotten first, then the least recently seen. */
  maxTracked: number;
  now: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** True once the current lockout was reported. */
  reported: boolean;
}

export type Take = { allowed: true } | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

/** A token bucket per key (a remote address), in a bounded table. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly msPerToken: number;

  constructor(private readonly options: TokenBucketOptions) {
    this.msPerToken = options.windowMs / options.capacity;
  }

  /** Take a token, or say how long until there is one (firstRefusal: the first time since the key was last let in). */
  take(key: string): Take {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.reported = false;
      return { allowed: true };
    }
    const firstRefusal = !bucket.reported;
    bucket.reported = true;
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) * this.msPerToken), firstRefusal };
  }

  /** Give a token back (the attempt it paid for succeeded); a full bucket is forgotten. */
  giveBack(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + 1);
    if (bucket.tokens >= this.options.capacity) this.buckets.delete(key);
  }

  get tracked(): number {
    return this.buckets.size;
  }

  /** The key's bucket, refilled to now and moved to the most recently seen end. */
  private refilled(key: string): Bucket {
    const now = this.options.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.options.maxTracked) this.evict(now);
      bucket = { tokens: this.options.capacity, at: now, reported: false };
    } else {
      this.buckets.delete(key);
      bucket.tokens = this.level(bucket, now);
      bucket.at = now;
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  private level(bucket: Bucket, now: number): number {
    return Math.min(this.options.capacity, bucket.tokens + Math.max(0, now - bucket.at) / this.msPerToken);
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) if (this.level(bucket, now) >= this.options.capacity) this.buckets.delete(key);
    if (this.buckets.size < this.options.maxTracked) return;
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
