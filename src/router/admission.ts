import { ErrorUri } from '../protocol/error-uris.js';
import type { Logger } from '../observability/logger.js';
import type { Connection } from '../transport/connection.js';
import { addressKey } from './auth/address-key.js';
import { ConnectionRateLimiter } from './connection-rate.js';
import type { RouterLimits } from './options.js';

/** Why a new connection is turned away: the ABORT it gets. */
export interface Refusal {
  reason: string;
  message: string;
}

/**
 * The router-wide limits a new connection must pass before it gets a session:
 * the connection rate of its address, then the number of sessions. A refused
 * connection is answered ABORT and closed; nothing else is affected. Each
 * lockout is logged once at warn, every refusal at debug.
 */
export class Admission {
  private readonly rate: ConnectionRateLimiter | undefined;
  private fullLogged = false;

  constructor(
    private readonly limits: Pick<RouterLimits, 'maxSessions' | 'connectionRate'>,
    private readonly logger: Logger,
    now?: () => number,
  ) {
    const rate = limits.connectionRate;
    this.rate = rate === false ? undefined : new ConnectionRateLimiter({ perAddress: rate.perAddress, windowMs: rate.windowMs, ...(now && { now }) });
  }

  /** undefined to admit the connection, else the refusal. `sessions`: how many the router holds now. */
  check(connection: Connection, sessions: number): Refusal | undefined {
    return this.checkRate(connection) ?? this.checkSessions(connection, sessions);
  }

  private checkRate(connection: Connection): Refusal | undefined {
    const rate = this.limits.connectionRate;
    if (this.rate === undefined || rate === false || (connection.isLocal && rate.exemptLocal)) return undefined;
    const address = addressKey(connection.remoteAddress);
    const decision = this.rate.admit(address);
    if (decision.allowed) return undefined;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    const fields = { address, peer: connection.remoteAddress, perAddress: rate.perAddress, windowMs: rate.windowMs };
    if (decision.firstRefusal) this.logger.warn(fields, 'too many new connections from this address (limits.connectionRate); refusing for now');
    else this.logger.debug(fields, 'connection refused: connection rate');
    return {
      reason: ErrorUri.tooManyConnections,
      message: `too many new connections from this address (at most ${rate.perAddress} per ${rate.windowMs} ms, limits.connectionRate); try again in ${seconds} s`,
    };
  }

  private checkSessions(connection: Connection, sessions: number): Refusal | undefined {
    const max = this.limits.maxSessions;
    if (sessions < max) {
      this.fullLogged = false;
      return undefined;
    }
    const fields = { peer: connection.remoteAddress, maxSessions: max };
    if (!this.fullLogged) this.logger.warn(fields, 'the router holds its maximum number of sessions (limits.maxSessions); refusing new ones');
    else this.logger.debug(fields, 'connection refused: too many sessions');
    this.fullLogged = true;
    return { reason: ErrorUri.tooManySessions, message: `the router already holds its maximum of ${max} sessions (limits.maxSessions); try again later` };
  }
}
