/** Stable codes of every transport-level failure a caller can see. */
export const transportErrorCodes = [
  'bad_url',          // the URL cannot be parsed or names an unknown scheme
  'bad_options',      // an option is unknown or out of range
  'connect_failed',   // the TCP / Unix / HTTP connection could not be opened
  'handshake_failed', // the RawSocket or WebSocket handshake was refused or broken
  'origin_refused',   // a WebSocket upgrade from a browser origin not in allowedOrigins (HTTP 403)
  'tls_failed',       // the TLS handshake failed, or the router's certificate was refused
  'timeout',          // connect + handshake did not finish in time
  'aborted',          // the caller's AbortSignal fired
  'listen_failed',    // a listener could not bind
] as const;

export type TransportErrorCode = (typeof transportErrorCodes)[number];

const retryableCodes: ReadonlySet<TransportErrorCode> = new Set(['connect_failed', 'timeout']);

export class TransportError extends Error {
  override readonly name = 'TransportError';
  /** True when trying the same thing again later may succeed. */
  readonly retryable: boolean;
  /** The URL being connected to or listened on, when there is one. */
  readonly url: string | undefined;

  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown; url?: string; retryable?: boolean },
  ) {
    super(options?.url === undefined ? message : `${message} (${options.url})`, options);
    this.url = options?.url;
    this.retryable = options?.retryable ?? retryableCodes.has(code);
  }
}
