import type { Args, Dict, Kwargs } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import { isValidUri, type MatchPolicy } from '../protocol/uri.js';

/**
 * An error that came over the wire: a WAMP ERROR answering a request, or an
 * ABORT refusing a session. The one class for every remote failure.
 */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  /** The WAMP error URI, e.g. `wamp.error.no_such_procedure`. */
  readonly uri: string;
  readonly args: Args;
  readonly kwargs: Kwargs;
  /** ERROR.Details (or ABORT.Details). */
  readonly details: Dict;

  constructor(uri: string, args: Args = [], kwargs: Kwargs = {}, details: Dict = {}, options?: { cause?: unknown }) {
    const first = args[0];
    super(typeof first === 'string' && first.length > 0 ? `${uri}: ${first}` : uri, options);
    this.uri = uri;
    this.args = args;
    this.kwargs = kwargs;
    this.details = details;
  }
}

/**
 * Failures the SDK detects itself (never sent by a router). `code` is stable;
 * `uri` is set where a WAMP or thoth error URI means the same thing, so code
 * that checks `error.uri` handles a local and a remote timeout alike.
 */
export const ClientErrorCode = {
  /** connect() options failed validation; the message names the option. */
  invalidOptions: 'invalid_options',
  /** The transport could not connect, or the handshake did not finish in time. */
  connectFailed: 'connect_failed',
  /**
   * wss:// or tls://: the router's certificate was refused (not trusted, wrong
   * name, not the pinned fingerprint) or the TLS handshake failed. Not retryable.
   */
  tlsFailed: 'tls_failed',
  /** A CHALLENGE could not be answered (no onChallenge hook, or it threw). */
  authFailed: 'auth_failed',
  /** Used while the session is reconnecting. */
  notConnected: 'not_connected',
  /** The connection dropped while the request was in flight. Never retried silently. */
  disconnected: 'disconnected',
  /** Used after close(), or in flight when close() ran. */
  closed: 'closed',
  /** The local deadline passed with no answer from the router. */
  timeout: 'timeout',
  /** The caller aborted the call (AbortSignal). */
  canceled: 'canceled',
  /** The router broke the protocol; the session was aborted. */
  protocolViolation: 'protocol_violation',
  /** A procedure or topic URI that is not valid (it would end the session if sent). */
  invalidUri: 'invalid_uri',
  /** A typed procedure's input failed its schema. */
  invalidArgument: 'invalid_argument',
  /** A typed procedure's result failed its schema. */
  invalidResult: 'invalid_result',
  /** Reconnecting gave up after reconnect.maxAttempts. */
  reconnectFailed: 'reconnect_failed',
  /**
   * The message was not sent: larger than the connection's message limit, not
   * encodable by the serializer (e.g. a BigInt in JSON), or the connection was
   * closing.
   */
  sendFailed: 'send_failed',
  /** More progressive results arrived than a callProgressive consumer took. */
  progressOverflow: 'progress_overflow',
} as const;

export type ClientErrorCodeName = keyof typeof ClientErrorCode;
export type ClientErrorCodeValue = (typeof ClientErrorCode)[ClientErrorCodeName];

const uriByCode: Partial<Record<ClientErrorCodeValue, string>> = {
  not_connected: ErrorUri.disconnected,
  disconnected: ErrorUri.disconnected,
  closed: ErrorUri.sessionClosed,
  timeout: ErrorUri.timeout,
  canceled: ErrorUri.canceled,
  protocol_violation: ErrorUri.protocolViolation,
  invalid_uri: ErrorUri.invalidUri,
  invalid_argument: ErrorUri.invalidArgument,
  invalid_result: ErrorUri.invalidResult,
};

const retryableCodes: ReadonlySet<ClientErrorCodeValue> = new Set<ClientErrorCodeValue>([
  'connect_failed', 'not_connected', 'disconnected', 'timeout',
]);

/** An SDK-side failure, with a stable `code`. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCodeValue;
  /** The equivalent WAMP/thoth error URI, when there is one. */
  readonly uri: string | undefined;
  /** Whether trying the same thing again later may succeed. */
  readonly retryable: boolean;

  constructor(code: ClientErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.uri = uriByCode[code];
    this.retryable = retryableCodes.has(code);
  }
}

/** The parts of a WAMP ERROR sent back for a failed invocation. */
export interface WampErrorParts {
  uri: string;
  args: Args;
  kwargs: Kwargs;
}

/**
 * Convert whatever a handler threw into the ERROR to send. A RemoteError, or
 * any object with a valid string `uri`, keeps its URI (and its `args`/`kwargs`
 * when they have the right shape); anything else becomes
 * `thoth.error.handler_failed` with the message as args[0].
 */
export function toWampError(thrown: unknown): WampErrorParts {
  if (thrown instanceof RemoteError) {
    return { uri: thrown.uri, args: thrown.args, kwargs: thrown.kwargs };
  }
  if (typeof thrown === 'object' && thrown !== null) {
    const candidate = thrown as { uri?: unknown; args?: unknown; kwargs?: unknown; message?: unknown };
    if (typeof candidate.uri === 'string' && isValidUri(candidate.uri)) {
      const args = Array.isArray(candidate.args)
        ? candidate.args as Args
        : typeof candidate.message === 'string' && candidate.message.length > 0 ? [candidate.message] : [];
      const kwargs = isDict(candidate.kwargs) ? candidate.kwargs : {};
      return { uri: candidate.uri, args, kwargs };
    }
  }
  return { uri: ErrorUri.handlerFailed, args: [messageOf(thrown)], kwargs: {} };
}

/** A readable message for any thrown value. */
export function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

export function sendFailed(what: string): ClientError {
  return new ClientError('send_failed', `${what} was not sent: too large for the connection, not encodable by the serializer, or the connection is closing`);
}

/** Throw ClientError 'invalid_uri' unless `uri` is valid under `match`. */
export function assertUri(what: string, uri: string, match: MatchPolicy = 'exact'): void {
  if (typeof uri !== 'string' || !isValidUri(uri, match)) {
    throw new ClientError('invalid_uri', `invalid ${what} URI ${JSON.stringify(uri)}${match === 'exact' ? '' : ` for match '${match}'`}`);
  }
}

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
