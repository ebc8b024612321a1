import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { SerializerName } from '../codec/index.js';
import { describeRemote } from './address.js';
import { channelBindingOf } from './channel-binding.js';
import type { ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { RawSocketConnection } from './rawsocket-connection.js';
import { announcedBytes, encodeHandshake, HANDSHAKE_BYTES, parseHandshakeReply } from './rawsocket-handshake.js';
import { checkRouterCertificate, tlsHandshakeFailed, type TlsClientSettings } from './tls-client.js';

export interface RawSocketConnectSettings {
  url: string;
  target: { host: string; port: number } | { path: string };
  serializer: SerializerName;
  limits: ConnectionLimits;
  timeoutMs: number;
  pingIntervalMs: number | undefined;
  /** Set for tls:// URLs (TCP targets only). */
  tls: TlsClientSettings | undefined;
  signal: AbortSignal | undefined;
}

/** Open a TCP (or TLS) or Unix socket and run the client side of the RawSocket handshake. */
export function connectRawSocket(settings: RawSocketConnectSettings): Promise<RawSocketConnection> {
  const { url, target, signal } = settings;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TransportError('aborted', 'connect aborted', { url, cause: signal.reason }));
      return;
    }
    const unix = 'path' in target;
    const tls = unix ? undefined : settings.tls;
    const socket: Socket = unix
      ? netConnect(target.path)
      : tls === undefined ? netConnect(target.port, target.host) : tlsConnect({ ...tls.connect, host: target.host, port: target.port });
    /** TCP connected; over TLS the handshake may still be running. */
    let connected = false;
    let secured = false;
    let received: Buffer = Buffer.alloc(0);
    let settled = false;

    const settle = (error: TransportError | undefined, connection?: RawSocketConnection) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('secureConnect', onSecureConnect);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error !== undefined) {
        socket.destroy();
        reject(error);
      } else {
        socket.off('error', onError);
        resolve(connection!);
      }
    };
    const onAbort = () => settle(new TransportError('aborted', 'connect aborted', { url, cause: signal?.reason }));
    const onConnect = () => {
      connected = true;
      if (!unix) socket.setNoDelay(true);
      if (tls === undefined) startHandshake();
    };
    const onSecureConnect = () => {
      secured = true;
      const refused = checkRouterCertificate(socket as TLSSocket, tls!, url);
      if (refused !== undefined) return settle(refused);
      startHandshake();
    };
    const startHandshake = () => {
      socket.write(encodeHandshake(settings.serializer, settings.limits.maxMessageBytes));
    };
    const onData = (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < HANDSHAKE_BYTES) return;
      const reply = parseHandshakeReply(received.subarray(0, HANDSHAKE_BYTES), settings.serializer);
      if (!reply.ok) {
        settle(new TransportError('handshake_failed', `RawSocket handshake failed: ${reply.reason}`, { url }));
        return;
      }
      const connection = new RawSocketConnection(socket, {
        serializer: settings.serializer,
        limits: settings.limits,
        ...describeRemote(socket, unix),
        channelBinding: channelBindingOf(socket),
        maxReceiveBytes: announcedBytes(settings.limits.maxMessageBytes),
        peerMaxBytes: reply.peerMaxBytes,
        pingIntervalMs: settings.pingIntervalMs,
        initial: received.subarray(HANDSHAKE_BYTES),
      });
      settle(undefined, connection);
    };
    const onError = (error: Error) => {
      if (tls !== undefined && connected && !secured) return settle(tlsHandshakeFailed(error, url));
      settle(
        connected
          ? new TransportError('handshake_failed', `RawSocket handshake failed: ${error.message}`, { url, cause: error })
          : new TransportError('connect_failed', `cannot connect: ${error.message}`, { url, cause: error }),
      );
    };
    const onClose = () => {
      if (tls !== undefined && connected && !secured) return settle(tlsHandshakeFailed(new Error('the router closed the connection'), url));
      settle(new TransportError('handshake_failed', 'the router closed the connection during the RawSocket handshake', { url }));
    };
    const timer = setTimeout(() => {
      settle(new TransportError('timeout', `no RawSocket handshake within ${settings.timeoutMs} ms`, { url }));
    }, settings.timeoutMs);

    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', onConnect);
    if (tls !== undefined) socket.on('secureConnect', onSecureConnect);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
