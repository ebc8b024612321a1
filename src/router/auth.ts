import type { Authenticate, Dict } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Identity } from './peer.js';
import type { ChannelBinding } from '../transport/channel-binding.js';

/** What an authenticator knows of a session asking to join. */
export interface JoinRequest {
  realm: string;
  details: Dict;
  authid: string | undefined;
  sessionId: number;
  /** channelBinding: set on TLS 1.3 connections (wss://, tls://), the tls-exporter value for cryptosign channel binding. */
  connection: { isLocal: boolean; remoteAddress: string; transport: string; channelBinding?: ChannelBinding | undefined };
}

export type AuthOutcome =
  | { kind: 'welcome'; identity: Identity; extra?: Dict }
  | { kind: 'challenge'; method: string; extra: Dict; state: unknown }
  /** proven: the client proved it holds its key (a device waiting for approval); the rate limiter does not count it as a failure. */
  | { kind: 'reject'; reason: string; message: string; proven?: boolean };

/**
 * One authentication method (anonymous now; ticket and cryptosign plug in here).
 * `hello` either welcomes, challenges or rejects; `authenticate` answers a challenge.
 */
export interface Authenticator {
  readonly method: string;
  hello(request: JoinRequest): AuthOutcome | Promise<AuthOutcome>;
  authenticate?(request: JoinRequest, state: unknown, message: Authenticate): AuthOutcome | Promise<AuthOutcome>;
}

/**
 * Anonymous access, allowed only on local connections (Connection.isLocal): from
 * loopback to a listener bound to loopback, over Unix sockets, in-process.
 */
export const anonymousAuthenticator: Authenticator = {
  method: 'anonymous',
  hello(request) {
    if (!request.connection.isLocal) {
      return { kind: 'reject', reason: ErrorUri.notAuthorized, message: 'anonymous access is only allowed on a loopback listener (127.0.0.1, ::1) or a Unix socket; authenticate (ticket, cryptosign) to use this one' };
    }
    return {
      kind: 'welcome',
      identity: { authid: request.authid ?? `anonymous-${request.sessionId}`, authrole: 'local', authmethod: 'anonymous', authprovider: 'static' },
    };
  },
};

/** The authmethods a HELLO asks for (anonymous when it names none). */
export function requestedMethods(details: Dict): string[] | string {
  const methods = details['authmethods'];
  if (methods === undefined) return ['anonymous'];
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) return 'HELLO.Details.authmethods must be a list of strings';
  return methods.length === 0 ? ['anonymous'] : methods;
}
