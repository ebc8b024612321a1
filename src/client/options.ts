import { z } from 'zod';
import type { SerializerName } from '../codec/serializer.js';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import type { Dict } from '../protocol/messages.js';
import { isValidUri } from '../protocol/uri.js';
import type { ChannelBinding } from '../transport/channel-binding.js';
import type { Connection, ConnectionLimits } from '../transport/connection.js';
import { isPemCertificate, type TlsClientOptions } from '../transport/tls-client.js';
import { fingerprintFormat, normalizeFingerprint } from '../transport/tls-fingerprint.js';
import type { BackoffPolicy } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { ClientError } from './errors.js';
import { describeIssues, fieldIssues } from '../common/zod-issues.js';

/** What a challenge handler may need to know of the connection. */
export interface ChallengeContext {
  /** Over TLS 1.3: the tls-exporter channel binding of this connection (RFC 9266), for cryptosign. */
  channelBinding: ChannelBinding | undefined;
}

/**
 * Answers an authentication CHALLENGE: gets the method ('ticket', 'cryptosign',
 * ...) and CHALLENGE.Extra, returns the AUTHENTICATE signature. The SDK always
 * passes `context`.
 */
export type ChallengeHandler = (method: string, extra: Dict, context?: ChallengeContext) => Promise<string> | string;

/** What the SDK hands a transport connector for one connection attempt. */
export interface TransportConnectOptions {
  /** Unset: the transport's default (json over WebSocket, msgpack over RawSocket). */
  serializer?: SerializerName;
  limits?: Partial<ConnectionLimits>;
  timeoutMs: number;
  /** Keepalive PINGs (RawSocket, WebSocket); unset = off. */
  pingIntervalMs?: number;
  /** wss:// and tls://: how to check the router's certificate. */
  tls?: TlsClientOptions;
  /** Aborted when the attempt is given up (close(), connect timeout). */
  signal: AbortSignal;
}

/** Opens one framed WAMP connection to `url`. The default speaks ws://, wss://, tcp://, tls:// and unix://. */
export type TransportConnector = (url: string, options: TransportConnectOptions) => Promise<Connection>;

/** Reconnect backoff; every field has a default. */
export type ReconnectOptions = Partial<BackoffPolicy>;

/** Options of {@link connect}. Unknown keys are refused. */
export interface ConnectOptions {
  /** Router address: ws://host:port/path, wss://..., tcp://host:port, tls://host:port, unix:///path/to.sock */
  url: string;
  /**
   * wss:// and tls:// only: how the router's certificate is checked. Default:
   * node's CA list and the URL's host name. `fingerprint` pins a (self-signed)
   * certificate; `ca` adds CAs to trust.
   */
  tls?: TlsClientOptions;
  /** Realm to join. Default 'thoth'. */
  realm?: string;
  /** Default: json over WebSocket, msgpack over RawSocket (tcp://, unix://). */
  serializer?: SerializerName;
  /** HELLO.Details.authid */
  authid?: string;
  /** HELLO.Details.authmethods, e.g. ['ticket'] or ['cryptosign']. Absent = anonymous. */
  authmethods?: string[];
  /** HELLO.Details.authextra (e.g. the cryptosign public key). */
  authextra?: Dict;
  /** Called for each CHALLENGE; without it a CHALLENGE fails the connect. */
  onChallenge?: ChallengeHandler;
  /**
   * Reconnect automatically when the connection drops without close(). Default
   * true (initial 500 ms, max 30 s, factor 2, jitter 0.5, no attempt limit).
   * The first connect() is never retried: it rejects.
   */
  reconnect?: boolean | ReconnectOptions;
  /** Default timeout of every call (ms); 0 or unset = none. */
  callTimeoutMs?: number;
  /** Time allowed for the transport connect plus the WAMP handshake (ms). Default 10000. */
  connectTimeoutMs?: number;
  /** Time close() waits for the router's GOODBYE (ms). Default 2000. */
  closeTimeoutMs?: number;
  /** Transport limits; defaults as in transport/connection.ts. */
  limits?: Partial<ConnectionLimits>;
  /**
   * Send transport PINGs at this interval (ms) and drop the connection when no
   * PONG comes back, so a dead router is noticed and reconnected. Unset = off.
   */
  pingIntervalMs?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Log one line per outgoing call and per handled invocation. Default false. */
  logCalls?: boolean;
  /** Random source in [0, 1) for backoff jitter. Default Math.random. */
  random?: () => number;
  /** Time source for deadlines and backoff. Default: the real clock. */
  clock?: Clock;
  /** How to open a connection. Default: the thoth transports. Tests inject memory pairs. */
  connectTransport?: TransportConnector;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  url: string;
  tls: TlsClientOptions | undefined;
  realm: string;
  serializer: SerializerName | undefined;
  authid: string | undefined;
  authmethods: string[] | undefined;
  authextra: Dict | undefined;
  onChallenge: ChallengeHandler | undefined;
  reconnect: BackoffPolicy | false;
  callTimeoutMs: number;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  limits: Partial<ConnectionLimits> | undefined;
  pingIntervalMs: number | undefined;
  logger: Logger;
  logCalls: boolean;
  random: () => number;
  clock: Clock;
  connectTransport: TransportConnector | undefined;
}

export const defaultReconnect: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

const isFunction = (value: unknown): boolean => typeof value === 'function';
const hasMethods = (value: unknown, names: readonly string[]): boolean =>
  typeof value === 'object' && value !== null &&
  names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

const milliseconds = z.number().int().nonnegative();

const reconnectSchema = z.strictObject({
  initialDelayMs: z.number().int().positive().optional(),
  maxDelayMs: z.number().int().positive().optional(),
  factor: z.number().min(1).optional(),
  jitter: z.number().min(0).max(1).optional(),
  maxAttempts: z.number().int().positive().optional(),
});

const pem = z.union([z.string(), z.instanceof(Buffer)]).refine(isPemCertificate, 'must be a PEM certificate');

const tlsSchema = z.strictObject({
  ca: z.union([pem, z.array(pem).min(1)]).optional(),
  fingerprint: z.string().refine((text) => normalizeFingerprint(text) !== undefined, `must be ${fingerprintFormat}`).optional(),
  servername: z.string().min(1).optional(),
  rejectUnauthorized: z.boolean().optional(),
}).refine(
  (tls) => tls.fingerprint === undefined || (tls.ca === undefined && tls.rejectUnauthorized === undefined),
  "fingerprint pins the certificate, so ca and rejectUnauthorized would have no effect: give one or the other",
);

const tlsSchemes = new Set(['wss:', 'tls:']);

const optionsSchema = z.strictObject({
  url: z.string().refine((url) => URL.canParse(url), 'must be a URL such as ws://127.0.0.1:8080 or unix:///path'),
  tls: tlsSchema.optional(),
  realm: z.string().refine((realm) => isValidUri(realm), 'must be a valid WAMP URI').optional(),
  serializer: z.enum(['json', 'msgpack']).optional(),
  authid: z.string().min(1).optional(),
  authmethods: z.array(z.string().min(1)).min(1).optional(),
  authextra: z.record(z.string(), z.unknown()).optional(),
  onChallenge: z.custom<ChallengeHandler>(isFunction, 'must be a function').optional(),
  reconnect: z.union([z.boolean(), reconnectSchema]).optional(),
  callTimeoutMs: milliseconds.optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
  closeTimeoutMs: milliseconds.optional(),
  limits: z.strictObject({
    maxMessageBytes: z.number().int().positive().optional(),
    maxQueuedBytes: z.number().int().positive().optional(),
  }).optional(),
  pingIntervalMs: z.number().int().positive().optional(),
  logger: z.custom<Logger>((value) => hasMethods(value, ['info', 'debug', 'error', 'child']), 'must be a pino Logger').optional(),
  logCalls: z.boolean().optional(),
  random: z.custom<() => number>(isFunction, 'must be a function').optional(),
  clock: z.custom<Clock>((value) => hasMethods(value, ['now', 'setTimeout', 'clearTimeout']), 'must be a Clock').optional(),
  connectTransport: z.custom<TransportConnector>(isFunction, 'must be a function').optional(),
}).refine(
  (o) => o.tls === undefined || !URL.canParse(o.url) || tlsSchemes.has(new URL(o.url).protocol),
  { path: ['tls'], message: 'only for wss:// and tls:// URLs' },
);

/** Validate connect() options and fill in defaults; throws ClientError('invalid_options') naming the bad key. */
export function resolveOptions(input: unknown): ResolvedOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ClientError('invalid_options', `invalid connect options: ${describeIssues(fieldIssues(parsed.error))}`);
  }
  const o = parsed.data;
  let reconnect: BackoffPolicy | false = false;
  if (o.reconnect !== false) {
    const given = typeof o.reconnect === 'object' ? o.reconnect : {};
    reconnect = {
      initialDelayMs: given.initialDelayMs ?? defaultReconnect.initialDelayMs,
      maxDelayMs: given.maxDelayMs ?? defaultReconnect.maxDelayMs,
      factor: given.factor ?? defaultReconnect.factor,
      jitter: given.jitter ?? defaultReconnect.jitter,
      maxAttempts: given.maxAttempts,
    };
    if (reconnect.maxDelayMs < reconnect.initialDelayMs) {
      throw new ClientError('invalid_options', 'invalid connect options: "reconnect.maxDelayMs": must be at least reconnect.initialDelayMs');
    }
  }
  return {
    url: o.url,
    tls: o.tls,
    realm: o.realm ?? 'thoth',
    serializer: o.serializer,
    authid: o.authid,
    authmethods: o.authmethods,
    authextra: o.authextra,
    onChallenge: o.onChallenge,
    reconnect,
    callTimeoutMs: o.callTimeoutMs ?? 0,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    closeTimeoutMs: o.closeTimeoutMs ?? 2_000,
    limits: o.limits,
    pingIntervalMs: o.pingIntervalMs,
    logger: o.logger ?? silentLogger,
    logCalls: o.logCalls ?? false,
    random: o.random ?? Math.random,
    clock: o.clock ?? systemClock,
    connectTransport: o.connectTransport,
  };
}
