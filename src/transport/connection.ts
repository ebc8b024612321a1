import type { Message } from '../protocol/messages.js';
import type { ParseAnswer } from '../protocol/parse.js';
import type { SerializerName } from '../codec/serializer.js';
import type { ChannelBinding } from './channel-binding.js';

/**
 * Why a connection ended. `code` is stable and machine-readable; `reason` says it
 * for a person. A peer that closed cleanly gives code 'closed'.
 */
export interface CloseInfo {
  code: CloseCode;
  reason: string;
  error?: Error;
}

export type CloseCode =
  | 'closed'            // closed by us or the peer, cleanly
  | 'reset'             // the socket failed (ECONNRESET, EPIPE, ...)
  | 'message_too_large' // a frame over the negotiated/configured max size
  | 'queue_full'        // outbound queued bytes over the cap (slow consumer)
  | 'handshake_failed'  // transport handshake refused or timed out
  | 'ping_timeout';     // no PONG in time

/** What a connection reports to whoever owns it (a router session or a client session). */
export interface ConnectionHandler {
  /** A message that decoded and parsed. */
  message(message: Message): void;
  /**
   * Bytes that are not a valid WAMP message (codec failure or a parse failure).
   * The connection stays open: the owner decides (the router sends ABORT then closes).
   * `answer` is set when parseMessage found a well-formed request with one bad URI,
   * which the spec answers with an ERROR instead of ending the session.
   */
  violation(reason: string, answer?: ParseAnswer): void;
  /** Called exactly once, after which nothing else is called. */
  closed(info: CloseInfo): void;
}

/**
 * One framed, serialized, message connection: the same interface on the router and
 * the client side, for WebSocket, RawSocket (TCP, Unix) and in-memory pairs.
 */
export interface Connection {
  readonly transport: 'websocket' | 'rawsocket' | 'memory';
  readonly serializer: SerializerName;
  /** Remote address for logs and rate limits, e.g. '127.0.0.1:53422' or 'unix'. */
  readonly remoteAddress: string;
  /**
   * True when the peer connected from loopback to a listener bound to loopback
   * (not 0.0.0.0: there a loopback peer may be a proxy relaying anyone), or over a
   * Unix socket or a memory pair. The router admits anonymous sessions only then.
   */
  readonly isLocal: boolean;
  /**
   * Over TLS 1.3 (wss://, tls://): the tls-exporter channel binding (RFC 9266),
   * the same bytes on both ends of this connection; for cryptosign. Else undefined.
   */
  readonly channelBinding?: ChannelBinding | undefined;
  /** Install the owner; messages received before this are queued, not dropped. */
  attach(handler: ConnectionHandler): void;
  /**
   * Encode and queue a message; queued messages are written in one batch per
   * event-loop turn. Never throws: past the outbound cap the connection closes
   * with code 'queue_full'. After close it is a no-op and returns false.
   * Also returns false, leaving the connection open, for a message that cannot be
   * encoded or is larger than the peer accepts: the owner may answer with an error.
   */
  send(message: Message): boolean;
  /** Bytes encoded but not yet taken by the OS (our batch plus the socket's buffer). */
  readonly queuedBytes: number;
  readonly closed: boolean;
  /** Flush what is queued, then close. Idempotent. */
  close(reason?: string): void;
  /** Close at once, dropping what is queued. Idempotent. */
  destroy(error?: Error): void;
}

export interface ConnectionLimits {
  /** Largest message, in bytes, accepted from the peer (and sent to it). */
  maxMessageBytes: number;
  /** Outbound bytes queued before the connection is closed as a slow consumer. */
  maxQueuedBytes: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
};
