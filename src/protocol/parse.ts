import { ErrorUri } from './error-uris.js';
import { isValidId } from './ids.js';
import {
  MessageCode, MessageTypeByCode,
  type Args, type Call, type Dict, type ErrorMessage, type Event, type Invocation, type Kwargs, type Message,
  type Publish, type Result, type Yield,
} from './messages.js';
import { isValidUri, type MatchPolicy } from './uri.js';

export { encodeMessage } from './encode.js';

/**
 * Set on a failure when the message was a well-formed request except for one
 * URI: the spec asks the receiver to answer such a request with ERROR
 * wamp.error.invalid_uri rather than to end the session.
 */
export interface ParseAnswer {
  requestType: number;
  requestId: number;
  error: string;
}

export type ParseResult = { ok: true; message: Message } | { ok: false; reason: string; answer?: ParseAnswer };

type Failure = Extract<ParseResult, { ok: false }>;

/** Request types an ERROR may answer (the spec's ERROR definitions; CANCEL is answered through its CALL). */
const ANSWERED_BY_ERROR: ReadonlySet<number> = new Set<number>([
  MessageCode.SUBSCRIBE, MessageCode.UNSUBSCRIBE, MessageCode.PUBLISH,
  MessageCode.REGISTER, MessageCode.UNREGISTER, MessageCode.CALL, MessageCode.INVOCATION,
]);

/**
 * Validate a decoded value (from any serializer) into a typed message: type code,
 * arity, field types, URI syntax, id range 1..2^53. Option values are not judged
 * here (the broker and dealer answer bad ones with an ERROR), except SUBSCRIBE's
 * and REGISTER's `match`, which picks the URI rule: 'prefix' and 'wildcard' allow
 * their patterns, anything else is checked as an exact URI. Never throws.
 */
export function parseMessage(value: unknown): ParseResult {
  if (!Array.isArray(value)) return fail(`message must be an array, got ${describe(value)}`);
  const m: unknown[] = value;
  if (m.length === 0) return fail('message is an empty array');
  const code = m[0];
  if (typeof code !== 'number' || !Number.isInteger(code)) return fail(`message type must be an integer, got ${describe(code)}`);
  let e: string | Failure | undefined;
  switch (code) {
    case MessageCode.HELLO:
      e = arity('HELLO', m, 3, 3) ?? uri('HELLO', 'realm', m[1]) ?? dict('HELLO', 'details', m[2]);
      return e !== undefined ? fail(e) : ok({ type: 'HELLO', realm: m[1] as string, details: m[2] as Dict });
    case MessageCode.WELCOME:
      e = idAndDict('WELCOME', m, 'session id', 'details', 3);
      return e !== undefined ? fail(e) : ok({ type: 'WELCOME', sessionId: m[1] as number, details: m[2] as Dict });
    case MessageCode.ABORT:
      e = dictAndUri('ABORT', m);
      return e !== undefined ? fail(e) : ok({ type: 'ABORT', details: m[1] as Dict, reason: m[2] as string });
    case MessageCode.CHALLENGE:
      e = arity('CHALLENGE', m, 3, 3) ?? string('CHALLENGE', 'auth method', m[1]) ?? dict('CHALLENGE', 'extra', m[2]);
      return e !== undefined ? fail(e) : ok({ type: 'CHALLENGE', authMethod: m[1] as string, extra: m[2] as Dict });
    case MessageCode.AUTHENTICATE:
      e = arity('AUTHENTICATE', m, 3, 3) ?? string('AUTHENTICATE', 'signature', m[1]) ?? dict('AUTHENTICATE', 'extra', m[2]);
      return e !== undefined ? fail(e) : ok({ type: 'AUTHENTICATE', signature: m[1] as string, extra: m[2] as Dict });
    case MessageCode.GOODBYE:
      e = dictAndUri('GOODBYE', m);
      return e !== undefined ? fail(e) : ok({ type: 'GOODBYE', details: m[1] as Dict, reason: m[2] as string });
    case MessageCode.ERROR:
      e = parseError(m);
      return e !== undefined ? fail(e) : ok(withPayload({
        type: 'ERROR', requestType: m[1] as number, requestId: m[2] as number, details: m[3] as Dict, error: m[4] as string,
      }, m, 5));
    case MessageCode.PUBLISH:
      e = request('PUBLISH', code, m, 'topic', 6);
      return e !== undefined ? failWith(e) : ok(withPayload({
        type: 'PUBLISH', requestId: m[1] as number, options: m[2] as Dict, topic: m[3] as string,
      }, m, 4));
    case MessageCode.PUBLISHED:
      e = twoIds('PUBLISHED', m, 'publication id');
      return e !== undefined ? fail(e) : ok({ type: 'PUBLISHED', requestId: m[1] as number, publicationId: m[2] as number });
    case MessageCode.SUBSCRIBE:
      e = request('SUBSCRIBE', code, m, 'topic', 4);
      return e !== undefined ? failWith(e) : ok({ type: 'SUBSCRIBE', requestId: m[1] as number, options: m[2] as Dict, topic: m[3] as string });
    case MessageCode.SUBSCRIBED:
      e = twoIds('SUBSCRIBED', m, 'subscription id');
      return e !== undefined ? fail(e) : ok({ type: 'SUBSCRIBED', requestId: m[1] as number, subscriptionId: m[2] as number });
    case MessageCode.UNSUBSCRIBE:
      e = twoIds('UNSUBSCRIBE', m, 'subscription id');
      return e !== undefined ? fail(e) : ok({ type: 'UNSUBSCRIBE', requestId: m[1] as number, subscriptionId: m[2] as number });
    case MessageCode.UNSUBSCRIBED:
      e = acknowledgement('UNSUBSCRIBED', m, 'subscription');
      if (e !== undefined) return fail(e);
      return ok(m.length === 3
        ? { type: 'UNSUBSCRIBED', requestId: m[1] as number, details: m[2] as Dict }
        : { type: 'UNSUBSCRIBED', requestId: m[1] as number });
    case MessageCode.EVENT:
      e = twoIdsAndDict('EVENT', m, 'subscription id', 'publication id');
      return e !== undefined ? fail(e) : ok(withPayload({
        type: 'EVENT', subscriptionId: m[1] as number, publicationId: m[2] as number, details: m[3] as Dict,
      }, m, 4));
    case MessageCode.CALL:
      e = request('CALL', code, m, 'procedure', 6);
      return e !== undefined ? failWith(e) : ok(withPayload({
        type: 'CALL', requestId: m[1] as number, options: m[2] as Dict, procedure: m[3] as string,
      }, m, 4));
    case MessageCode.CANCEL:
      e = idAndDict('CANCEL', m, 'request id', 'options', 3);
      return e !== undefined ? fail(e) : ok({ type: 'CANCEL', requestId: m[1] as number, options: m[2] as Dict });
    case MessageCode.RESULT:
      e = idAndDict('RESULT', m, 'request id', 'details', 5);
      return e !== undefined ? fail(e) : ok(withPayload({ type: 'RESULT', requestId: m[1] as number, details: m[2] as Dict }, m, 3));
    case MessageCode.REGISTER:
      e = request('REGISTER', code, m, 'procedure', 4);
      return e !== undefined ? failWith(e) : ok({ type: 'REGISTER', requestId: m[1] as number, options: m[2] as Dict, procedure: m[3] as string });
    case MessageCode.REGISTERED:
      e = twoIds('REGISTERED', m, 'registration id');
      return e !== undefined ? fail(e) : ok({ type: 'REGISTERED', requestId: m[1] as number, registrationId: m[2] as number });
    case MessageCode.UNREGISTER:
      e = twoIds('UNREGISTER', m, 'registration id');
      return e !== undefined ? fail(e) : ok({ type: 'UNREGISTER', requestId: m[1] as number, registrationId: m[2] as number });
    case MessageCode.UNREGISTERED:
      e = acknowledgement('UNREGISTERED', m, 'registration');
      if (e !== undefined) return fail(e);
      return ok(m.length === 3
        ? { type: 'UNREGISTERED', requestId: m[1] as number, details: m[2] as Dict }
        : { type: 'UNREGISTERED', requestId: m[1] as number });
    case MessageCode.INVOCATION:
      e = twoIdsAndDict('INVOCATION', m, 'request id', 'registration id');
      return e !== undefined ? fail(e) : ok(withPayload({
        type: 'INVOCATION', requestId: m[1] as number, registrationId: m[2] as number, details: m[3] as Dict,
      }, m, 4));
    case MessageCode.INTERRUPT:
      e = idAndDict('INTERRUPT', m, 'request id', 'options', 3);
      return e !== undefined ? fail(e) : ok({ type: 'INTERRUPT', requestId: m[1] as number, options: m[2] as Dict });
    case MessageCode.YIELD:
      e = idAndDict('YIELD', m, 'request id', 'options', 5);
      return e !== undefined ? fail(e) : ok(withPayload({ type: 'YIELD', requestId: m[1] as number, options: m[2] as Dict }, m, 3));
    default:
      return fail(`unknown message type ${code}`);
  }
}

function ok(message: Message): ParseResult {
  return { ok: true, message };
}

function fail(reason: string): Failure {
  return { ok: false, reason };
}

function failWith(e: string | Failure): Failure {
  return typeof e === 'string' ? fail(e) : e;
}

type PayloadMessage = ErrorMessage | Publish | Event | Call | Result | Invocation | Yield;

function withPayload(message: PayloadMessage, m: unknown[], at: number): PayloadMessage {
  if (m.length > at) message.args = m[at] as Args;
  if (m.length > at + 1) message.kwargs = m[at + 1] as Kwargs;
  return message;
}

// ---- message shapes: each returns why the message is wrong, or undefined ----

/** [ABORT|GOODBYE, Details|dict, Reason|uri] */
function dictAndUri(name: string, m: unknown[]): string | undefined {
  return arity(name, m, 3, 3) ?? dict(name, 'details', m[1]) ?? uri(name, 'reason', m[2]);
}

/** [TYPE, Id|id, Dict|dict, (Arguments|list, (ArgumentsKw|dict))] with `max` elements at most. */
function idAndDict(name: string, m: unknown[], idField: string, dictField: string, max: number): string | undefined {
  return arity(name, m, 3, max) ?? id(name, idField, m[1]) ?? dict(name, dictField, m[2]) ?? payload(name, m, 3);
}

/** [TYPE, Request|id, Other|id] */
function twoIds(name: string, m: unknown[], idField: string): string | undefined {
  return arity(name, m, 3, 3) ?? id(name, 'request id', m[1]) ?? id(name, idField, m[2]);
}

/** [EVENT|INVOCATION, Id|id, Id|id, Details|dict, (Arguments|list, (ArgumentsKw|dict))] */
function twoIdsAndDict(name: string, m: unknown[], first: string, second: string): string | undefined {
  return arity(name, m, 4, 6) ?? id(name, first, m[1]) ?? id(name, second, m[2])
    ?? dict(name, 'details', m[3]) ?? payload(name, m, 4);
}

/**
 * [PUBLISH|SUBSCRIBE|CALL|REGISTER, Request|id, Options|dict, Uri|uri, (payload)].
 * The URI is checked last so that a failure on it alone can be answered.
 */
function request(name: string, code: number, m: unknown[], uriField: string, max: number): string | Failure | undefined {
  const e = arity(name, m, 4, max) ?? id(name, 'request id', m[1]) ?? dict(name, 'options', m[2]) ?? payload(name, m, 4);
  if (e !== undefined) return e;
  const options = m[2] as Dict;
  const match = code === MessageCode.SUBSCRIBE || code === MessageCode.REGISTER ? patternPolicy(options['match']) : 'exact';
  const reason = uri(name, uriField, m[3], match);
  if (reason === undefined) return undefined;
  if (typeof m[3] !== 'string') return reason;
  return { ok: false, reason, answer: { requestType: code, requestId: m[1] as number, error: ErrorUri.invalidUri } };
}

function patternPolicy(match: unknown): MatchPolicy {
  return match === 'prefix' || match === 'wildcard' ? match : 'exact';
}

/** [ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, (payload)] */
function parseError(m: unknown[]): string | undefined {
  const e = arity('ERROR', m, 5, 7);
  if (e !== undefined) return e;
  const requestType = m[1];
  if (typeof requestType !== 'number' || !Number.isInteger(requestType)) {
    return `ERROR: request type must be an integer message type, got ${describe(requestType)}`;
  }
  if (!ANSWERED_BY_ERROR.has(requestType)) {
    const known = MessageTypeByCode.get(requestType);
    return `ERROR: request type ${requestType}${known === undefined ? '' : ` (${known})`} is not a request answered by ERROR`;
  }
  return id('ERROR', 'request id', m[2]) ?? dict('ERROR', 'details', m[3]) ?? uri('ERROR', 'error', m[4]) ?? payload('ERROR', m, 5);
}

/**
 * [UNSUBSCRIBED|UNREGISTERED, Request|id] or, when the router revokes on its own,
 * [UNSUBSCRIBED|UNREGISTERED, 0, Details|dict] with Details.<revoked> the id.
 */
function acknowledgement(name: string, m: unknown[], revoked: 'subscription' | 'registration'): string | undefined {
  const e = arity(name, m, 2, 3);
  if (e !== undefined) return e;
  if (m.length === 3) {
    const details = dict(name, 'details', m[2]);
    if (details !== undefined) return details;
    if (m[1] === 0) return id(name, `details.${revoked}`, (m[2] as Dict)[revoked]);
  } else if (m[1] === 0) {
    return `${name}: request id 0 is only allowed with details naming the revoked ${revoked}`;
  }
  return id(name, 'request id', m[1]);
}

// ---- fields ----

function arity(name: string, m: unknown[], min: number, max: number): string | undefined {
  const n = m.length;
  if (n >= min && n <= max) return undefined;
  return min === max
    ? `${name}: expected ${min} elements, got ${n}`
    : `${name}: expected ${min} to ${max} elements, got ${n}`;
}

function id(name: string, field: string, v: unknown): string | undefined {
  if (isValidId(v)) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return `${name}: ${field} ${v} is out of range 1..2^53`;
  return `${name}: ${field} must be an integer id, got ${describe(v)}`;
}

function isDict(v: unknown): v is Dict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dict(name: string, field: string, v: unknown): string | undefined {
  return isDict(v) ? undefined : `${name}: ${field} must be a dict, got ${describe(v)}`;
}

function string(name: string, field: string, v: unknown): string | undefined {
  return typeof v === 'string' ? undefined : `${name}: ${field} must be a string, got ${describe(v)}`;
}

function uri(name: string, field: string, v: unknown, match: MatchPolicy = 'exact'): string | undefined {
  if (typeof v !== 'string') return `${name}: ${field} must be a string URI, got ${describe(v)}`;
  if (isValidUri(v, match)) return undefined;
  return match === 'exact'
    ? `${name}: ${field} ${quote(v)} is not a valid URI`
    : `${name}: ${field} ${quote(v)} is not a valid URI pattern for match "${match}"`;
}

/** Arguments|list at `at`, ArgumentsKw|dict after it; both optional. */
function payload(name: string, m: unknown[], at: number): string | undefined {
  if (m.length > at && !Array.isArray(m[at])) return `${name}: args must be an array, got ${describe(m[at])}`;
  if (m.length > at + 1 && !isDict(m[at + 1])) return `${name}: kwargs must be a dict, got ${describe(m[at + 1])}`;
  return undefined;
}

function describe(v: unknown): string {
  switch (typeof v) {
    case 'string': return quote(v);
    case 'number':
    case 'boolean': return String(v);
    case 'bigint': return `${v}n`;
    case 'undefined': return 'nothing';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'an array';
      if (v instanceof Uint8Array) return 'binary';
      return 'an object';
    default: return typeof v;
  }
}

function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}
