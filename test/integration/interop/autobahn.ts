/*
 * A typed face for autobahn-js 22 (CommonJS, no type declarations): only the
 * parts the interop tests use, as autobahn's lib/session.js and lib/connection.js
 * define them. Its promises are when.js promises (thenables with a third,
 * progress, callback on then()).
 */
import { createRequire } from 'node:module';
import { deferred } from './waiting.js';

export type Dict = Record<string, unknown>;
export type SerializerName = 'json' | 'msgpack';

/** The third argument autobahn hands an endpoint. */
export interface AbInvocation {
  procedure: string;
  /** Set when the caller asked for progressive results: sends YIELD with progress: true. */
  progress: ((args?: unknown[], kwargs?: Dict) => void) | null;
  caller?: number;
  caller_authid?: string;
  caller_authrole?: string;
}

/** The third argument autobahn hands an event handler. */
export interface AbEvent {
  publication: number;
  topic: string;
  publisher?: number;
}

/** What a call resolves with when there is more than one positional result or any keyword result. */
export interface AbResult {
  args: unknown[];
  kwargs: Dict;
}

/** What a call rejects with when the router or callee answers ERROR. */
export interface AbError {
  error: string;
  args: unknown[];
  kwargs: Dict;
}

/** when.js promise: then() takes a progress callback as its third argument. */
export interface AbPromise<T> extends PromiseLike<T> {
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
    onProgress?: (update: unknown) => void,
  ): AbPromise<R1 | R2>;
}

export type AbEndpoint = (args: unknown[], kwargs: Dict, details: AbInvocation) => unknown;
export type AbHandler = (args: unknown[], kwargs: Dict, details: AbEvent) => void;

/** A call in flight: cancel() sends CANCEL with the given options (e.g. { mode: 'kill' }). */
export interface AbCall<T> extends AbPromise<T> {
  cancel(options?: Dict): void;
}

export interface AbRegistration {
  readonly id: number;
  readonly procedure: string;
}

export interface AbSession {
  readonly id: number;
  readonly isOpen: boolean;
  call(procedure: string, args?: unknown[], kwargs?: Dict, options?: Dict): AbCall<unknown>;
  register(procedure: string, endpoint: AbEndpoint, options?: Dict): AbPromise<AbRegistration>;
  unregister(registration: AbRegistration): AbPromise<unknown>;
  subscribe(topic: string, handler: AbHandler, options?: Dict): AbPromise<{ id: number; topic: string }>;
  /** Returns a promise only with options.acknowledge. */
  publish(topic: string, args?: unknown[], kwargs?: Dict, options?: Dict): AbPromise<{ id: number }> | undefined;
}

export interface AbCloseDetails {
  /** The GOODBYE/ABORT reason URI, if the session ended with one. */
  reason: string | null;
  message: string | null;
}

/** How autobahn reports the end of a connection: 'closed', 'lost', 'unreachable', ... */
export interface AbClosed {
  reason: string;
  details: AbCloseDetails;
}

interface AbConnection {
  onopen: ((session: AbSession, details: Dict) => void) | null;
  onclose: ((reason: string, details: AbCloseDetails) => boolean) | null;
  readonly isConnected: boolean;
  open(): void;
  close(reason?: string, message?: string): void;
}

interface AbSerializer {
  readonly SERIALIZER_ID: string;
}

interface AutobahnModule {
  Connection: new (options: Dict) => AbConnection;
  serializer: { JSONSerializer: new () => AbSerializer; MsgpackSerializer: new () => AbSerializer };
  Error: new (error: string, args?: unknown[], kwargs?: Dict) => AbError;
  Result: new (args?: unknown[], kwargs?: Dict) => AbResult;
}

/*
 * autobahn's log.js binds console.warn when it loads and warns on every ordinary
 * close. It is loaded with a filter in place of console.warn (restored right after),
 * so its routine close chatter stays out of the test output and the rest still shows.
 */
const routineWarnings = ['connection closed', 'auto-reconnect disabled!'];
function loadAutobahn(): AutobahnModule {
  const original = console.warn;
  console.warn = (...items: unknown[]) => {
    if (typeof items[0] === 'string' && routineWarnings.includes(items[0])) return;
    original(...items);
  };
  try {
    return createRequire(import.meta.url)('autobahn') as AutobahnModule;
  } finally {
    console.warn = original;
  }
}

export const autobahn = loadAutobahn();

export interface AutobahnClient {
  readonly session: AbSession;
  /** WELCOME.Details as autobahn saw them. */
  readonly details: Dict;
  /** Settles when the connection closes, whoever closed it. */
  readonly closed: Promise<AbClosed>;
  /** Leave the realm and wait for the connection to close. Idempotent. */
  close(): Promise<void>;
}

export interface OpenAutobahnOptions {
  /** ws://... for WebSocket, tcp://host:port for RawSocket (autobahn's RawSocket speaks JSON only). */
  url: string;
  serializer: SerializerName;
  realm?: string;
}

/** Connect and join a realm; rejects if the connection closes before WELCOME. */
export function openAutobahn(options: OpenAutobahnOptions): Promise<AutobahnClient> {
  const serializer = options.serializer === 'json' ? new autobahn.serializer.JSONSerializer() : new autobahn.serializer.MsgpackSerializer();
  const target = new URL(options.url);
  const rawsocket = target.protocol === 'tcp:';
  if (rawsocket && options.serializer !== 'json') return Promise.reject(new Error('autobahn RawSocket speaks JSON only'));
  const transport = rawsocket
    ? { type: 'rawsocket', host: target.hostname, port: Number(target.port) }
    : { type: 'websocket', url: options.url, serializers: [serializer] };
  const connection = new autobahn.Connection({
    realm: options.realm ?? 'thoth',
    transports: [transport],
    max_retries: 0,
    retry_if_unreachable: false,
    // An endpoint throwing autobahn.Error is an intended WAMP error reply, not a bug worth printing.
    on_user_error: (error: unknown, message?: string) => {
      if (!(error instanceof autobahn.Error)) console.error(message ?? 'autobahn user error', error);
    },
  });
  const opened = deferred<AutobahnClient>();
  const closed = deferred<AbClosed>();
  let joined = false;
  let closing: Promise<void> | undefined;
  connection.onopen = (session, details) => {
    joined = true;
    opened.resolve({
      session,
      details,
      closed: closed.promise,
      close() {
        closing ??= (async () => {
          if (connection.isConnected) connection.close();
          await closed.promise;
        })();
        return closing;
      },
    });
  };
  connection.onclose = (reason, details) => {
    if (!joined) opened.reject(new Error(`autobahn did not join: ${reason} (${details.reason ?? ''} ${details.message ?? ''})`));
    closed.resolve({ reason, details });
    return true; // no reconnect
  };
  connection.open();
  return opened.promise;
}

/** Call with receive_progress, handing each progressive result to onProgress. */
export function callWithProgress(
  session: AbSession,
  procedure: string,
  args: unknown[],
  onProgress: (update: unknown) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.call(procedure, args, undefined, { receive_progress: true }).then(resolve, reject, onProgress);
  });
}

/** Narrow a call rejection to autobahn's error shape, or rethrow what it is. */
export function asAbError(reason: unknown): AbError {
  if (reason instanceof autobahn.Error) return reason;
  throw reason;
}
