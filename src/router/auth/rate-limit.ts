import { ErrorUri } from '../../protocol/error-uris.js';
import type { Logger } from '../../observability/logger.js';
import type { Authenticate } from '../../protocol/messages.js';
import type { AuthOutcome, Authenticator, JoinRequest } from '../auth.js';
import { addressKey } from './address-key.js';
import { TokenBuckets, type Take } from '../token-buckets.js';

export interface RateLimitOptions {
  /** Authentication attempts one address may fail in a row before it has to wait. Default 5. */
  maxFailures?: number;
  /** Time in which a full allowance comes back (one attempt per windowMs / maxFailures). Default 60000. */
  windowMs?: number;
  /** Addresses tracked at once; past it the oldest entry is forgotten. Default 10000. */
  maxTracked?: number;
  /** Milliseconds clock, for tests. Default Date.now. */
  now?: () => number;
}

/** firstRefusal: the first refusal since the address was last let in (log it once per lockout). */
export type Admission = Take;

/**
 * A token bucket per address: each authentication attempt takes a token when it
 * starts and gives it back when it succeeds, so failures (and handshakes left
 * hanging) use the allowance up; tokens come back at maxFailures per windowMs.
 * Attempts started at once count too, so parallel connections gain nothing.
 */
export class AuthRateLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly buckets: TokenBuckets;

  constructor(options: RateLimitOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    const maxTracked = options.maxTracked ?? 10_000;
    for (const [name, value] of [['maxFailures', this.maxFailures], ['windowMs', this.windowMs], ['maxTracked', maxTracked]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`rate limit ${name} must be a positive integer, got ${value}`);
    }
    this.buckets = new TokenBuckets({ capacity: this.maxFailures, windowMs: this.windowMs, maxTracked, now: options.now ?? Date.now });
  }

  /** Take a token for one attempt from this address, or say how long to wait for one. */
  admit(key: string): Admission {
    return this.buckets.take(key);
  }

  /** The attempt succeeded: its token comes back. */
  succeeded(key: string): void {
    this.buckets.giveBack(key);
  }

  get tracked(): number {
    return this.buckets.tracked;
  }
}

interface LimitedState {
  key: string;
  inner: unknown;
}

/**
 * The same authenticator, admitted through a rate limiter per remote address:
 * a HELLO from an address out of attempts is refused (ABORT
 * wamp.error.authentication_failed saying when to retry), and logged once per
 * lockout with the address.
 */
export function rateLimited(authenticator: Authenticator, limiter: AuthRateLimiter, logger: Logger): Authenticator {
  const settle = (key: string, outcome: AuthOutcome): AuthOutcome => {
    if (outcome.kind === 'welcome' || (outcome.kind === 'reject' && outcome.proven === true)) limiter.succeeded(key);
    if (outcome.kind === 'challenge') return { ...outcome, state: { key, inner: outcome.state } satisfies LimitedState };
    return outcome;
  };
  const limited: Authenticator = {
    method: authenticator.method,
    async hello(request: JoinRequest): Promise<AuthOutcome> {
      const key = addressKey(request.connection.remoteAddress);
      const admission = limiter.admit(key);
      if (!admission.allowed) {
        const seconds = Math.ceil(admission.retryAfterMs / 1000);
        if (admission.firstRefusal) {
          logger.warn({ address: key, peer: request.connection.remoteAddress, method: authenticator.method, retryAfterMs: admission.retryAfterMs }, 'too many failed authentications from this address; refusing for now');
        }
        return { kind: 'reject', reason: ErrorUri.authenticationFailed, message: `too many failed authentication attempts from this address; try again in ${seconds} s` };
      }
      return settle(key, await authenticator.hello(request));
    },
  };
  const authenticate = authenticator.authenticate;
  if (authenticate !== undefined) {
    limited.authenticate = async (request: JoinRequest, state: unknown, message: Authenticate): Promise<AuthOutcome> => {
      const { key, inner } = state as LimitedState;
      return settle(key, await authenticate.call(authenticator, request, inner, message));
    };
  }
  return limited;
}
