import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * A channel binding for cryptosign: both ends of one TLS connection compute the
 * same bytes; a man in the middle, holding two TLS connections, gets different ones.
 */
export interface ChannelBinding {
  readonly type: 'tls-exporter';
  /** 32 bytes: TLS-Exporter("EXPORTER-Channel-Binding", empty context), RFC 9266. */
  readonly value: Buffer;
}

/**
 * The tls-exporter channel binding of a TLS connection whose handshake is done;
 * undefined for plain sockets and for TLS before 1.3 (RFC 9266 makes
 * tls-exporter safe on TLS 1.2 only with extended master secret, which node
 * does not report).
 */
export function channelBindingOf(socket: Socket | undefined): ChannelBinding | undefined {
  if (!(socket instanceof TLSSocket) || socket.getProtocol() !== 'TLSv1.3') return undefined;
  return { type: 'tls-exporter', value: socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)) };
}
