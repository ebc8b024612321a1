/** How reconnect attempts are spaced. */
export interface BackoffPolicy {
  /** Delay before the first attempt. */
  initialDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
  /** Each delay is the previous one times this (before jitter). */
  factor: number;
  /** 0..1: the share of each delay that is random (0 = fixed delays). */
  jitter: number;
  /** Give up after this many failed attempts in a row; unset = never. */
  maxAttempts?: number | undefined;
}

/**
 * The delay before reconnect attempt `attempt` (1-based): exponential growth
 * capped at maxDelayMs, then lowered by up to `jitter` of itself at random, so
 * delays lie in [base * (1 - jitter), base] and never exceed the cap.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(base * (1 - policy.jitter * r));
}
