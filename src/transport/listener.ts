/** A bound endpoint that accepts connections. */
export interface Listener {
  /** e.g. tcp://127.0.0.1:40211, ws://127.0.0.1:8080/ws, unix:///tmp/x.sock */
  readonly url: string;
  readonly address: { host: string; port: number } | { path: string };
  /** TLS listeners: the SHA-256 fingerprint of the certificate ('sha256:AB:CD:...'), for clients to pin. */
  readonly tlsFingerprint?: string;
  /** Stop accepting. Connections already handed out are left to their owners. Idempotent. */
  close(): Promise<void>;
}

/** Reports a connection that failed before it was handed out (refused handshake, timeout). */
export type ListenerErrorHandler = (error: Error, remoteAddress: string) => void;
