import type { Authenticate } from '../../protocol/messages.js';
import { ErrorUri } from '../../protocol/error-uris.js';
import type { AuthOutcome, Authenticator, JoinRequest } from '../auth.js';
import { parseSecretHash, unmatchableHash, verifySecret, type SecretHash } from './secrets.js';

/** A ticket principal as configured: the secret itself is never stored, only its scrypt hash. */
export interface TicketPrincipal {
  authid: string;
  role: string;
  /** `scrypt$N$r$p$salt$hash`, from `thoth keygen ticket` or {@link hashSecret}. */
  secretHash: string;
}

export interface TicketOptions {
  principals: readonly TicketPrincipal[];
}

interface TicketState {
  authid: string;
  sessionId: number;
  used: boolean;
}

/** Longer tickets are refused without hashing them (still as a plain authentication failure). */
const maxTicketLength = 1024;

export const authenticationFailed: AuthOutcome = { kind: 'reject', reason: ErrorUri.authenticationFailed, message: 'authentication failed' };

/**
 * WAMP ticket authentication against scrypt hashes. Every authid is challenged,
 * known or not, and an unknown authid costs one scrypt run like a wrong secret,
 * so neither the answer nor its timing tells whether an authid exists.
 */
export class TicketAuthenticator implements Authenticator {
  readonly method = 'ticket';
  private readonly principals = new Map<string, { role: string; hash: SecretHash }>();
  private readonly decoy: SecretHash;

  constructor(options: TicketOptions) {
    for (const principal of options.principals) {
      const hash = parseSecretHash(principal.secretHash);
      if (typeof hash === 'string') throw new TypeError(`ticket principal "${principal.authid}": secretHash ${hash}`);
      if (this.principals.has(principal.authid)) throw new TypeError(`ticket principal "${principal.authid}" is listed twice`);
      this.principals.set(principal.authid, { role: principal.role, hash });
    }
    const first = this.principals.values().next();
    this.decoy = unmatchableHash(first.done ? undefined : first.value.hash);
  }

  hello(request: JoinRequest): AuthOutcome {
    if (request.authid === undefined) {
      return { kind: 'reject', reason: ErrorUri.authenticationFailed, message: 'ticket authentication needs HELLO.Details.authid' };
    }
    const state: TicketState = { authid: request.authid, sessionId: request.sessionId, used: false };
    return { kind: 'challenge', method: this.method, extra: {}, state };
  }

  async authenticate(request: JoinRequest, state: unknown, message: Authenticate): Promise<AuthOutcome> {
    const ticket = state as TicketState;
    if (ticket.used || ticket.sessionId !== request.sessionId) return authenticationFailed;
    ticket.used = true;
    if (message.signature.length === 0 || message.signature.length > maxTicketLength) return authenticationFailed;
    const principal = this.principals.get(ticket.authid);
    const matches = await verifySecret(message.signature, principal?.hash ?? this.decoy);
    if (!matches || principal === undefined) return authenticationFailed;
    return { kind: 'welcome', identity: { authid: ticket.authid, authrole: principal.role, authmethod: this.method, authprovider: 'static' } };
  }
}
