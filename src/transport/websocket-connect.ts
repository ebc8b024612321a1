import type { IncomingMessage } from 'node:http';
import type { createConnection, Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import type { SerializerName } from '../codec/index.js';
import { describeRemote } from './address.js';
import { channelBindingOf } from './channel-binding.js';
import type { ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { checkRouterCertificate, tlsHandshakeFailed, type TlsClientSettings } from './tls-client.js';
import { subprotocolBySerializer, WebSocketConnection } from './websocket-connection.js';

export interface WebSocketConnectSettings {
  url: string;
  serializer: SerializerName;
  limits: ConnectionLimits;
  timeoutMs: number;
  pingIntervalMs: number | undefined;
  /** Set for wss:// URLs. */
  tls: TlsClientSettings | undefined;
  signal: AbortSignal | undefined;
}

/** Most of an HTTP refusal's body worth quoting in an error. */
const MAX_BODY_QUOTE = 512;

/** Open a WebSocket asking for exactly one WAMP subprotocol. */
export function connectWebSocket(settings: WebSocketConnectSettings): Promise<WebSocketConnection> {
  const { url, signal } = settings;
  const subprotocol = subprotocolBySerializer[settings.serializer];
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TransportError('aborted', 'connect aborted', { url, cause: signal.reason }));
      return;
    }
    const options: ClientOptions = {
      maxPayload: settings.limits.maxMessageBytes,
      perMessageDeflate: false,
      followRedirects: false,
    };
    const tls = settings.tls;
    const progress: TlsProgress = { tcpConnected: false, secured: false };
    if (tls !== undefined) {
      Object.assign(options, tls.connect);
      options.createConnection = ((connectOptions: ConnectionOptions) => verifiedTlsSocket(connectOptions, tls, url, progress)) as unknown as typeof createConnection;
    }
    const ws = new WebSocket(url, [subprotocol], options);
    let socket: Socket | undefined;
    let settled = false;

    const settle = (error: TransportError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.off('upgrade', onUpgrade);
      ws.off('open', onOpen);
      ws.off('unexpected-response', onUnexpected);
      if (error !== undefined) {
        // Errors from tearing down (e.g. "closed before the connection was established") are expected now.
        ws.on('error', () => {});
        ws.off('error', onError);
        ws.terminate();
        reject(error);
        return;
      }
      ws.off('error', onError);
      const tcp = socket;
      resolve(
        new WebSocketConnection(ws, {
          serializer: settings.serializer,
          limits: settings.limits,
          ...(tcp === undefined ? { remoteAddress: 'unknown', isLocal: false } : describeRemote(tcp, false)),
          channelBinding: channelBindingOf(tcp),
          pingIntervalMs: settings.pingIntervalMs,
          socket: tcp,
        }),
      );
    };
    const onAbort = () => settle(new TransportError('aborted', 'connect aborted', { url, cause: signal?.reason }));
    const onUpgrade = (response: IncomingMessage) => {
      socket = response.socket as Socket;
    };
    const onOpen = () => {
      if (ws.protocol !== subprotocol) {
        settle(new TransportError('handshake_failed', `server chose subprotocol '${ws.protocol}', not ${subprotocol}`, { url }));
        return;
      }
      settle(undefined);
    };
    const onUnexpected = (_request: unknown, response: IncomingMessage) => {
      const status = `HTTP ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim();
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_BODY_QUOTE) body += chunk;
      });
      const done = () => {
        const text = body.trim().slice(0, MAX_BODY_QUOTE);
        settle(new TransportError('handshake_failed', `WebSocket upgrade refused: ${status}${text ? `: ${text}` : ''}`, { url }));
      };
      response.on('end', done);
      response.on('error', done);
      response.on('close', done);
    };
    const onError = (error: Error) => {
      if (error instanceof TransportError) return settle(error);
      if (tls !== undefined && progress.tcpConnected && !progress.secured) return settle(tlsHandshakeFailed(error, url));
      // After the HTTP 101 (e.g. a bad Sec-WebSocket-Accept or subprotocol) it is the handshake that failed.
      settle(
        socket === undefined
          ? new TransportError('connect_failed', `cannot connect: ${error.message}`, { url, cause: error })
          : new TransportError('handshake_failed', `WebSocket handshake failed: ${error.message}`, { url, cause: error }),
      );
    };
    const timer = setTimeout(() => {
      settle(new TransportError('timeout', `no WebSocket handshake within ${settings.timeoutMs} ms`, { url }));
    }, settings.timeoutMs);

    signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('upgrade', onUpgrade);
    ws.on('open', onOpen);
    ws.on('unexpected-response', onUnexpected);
    ws.on('error', onError);
  });
}

/** Where a wss:// connection's TLS handshake got to. */
interface TlsProgress {
  tcpConnected: boolean;
  secured: boolean;
}

/**
 * The TLS socket under a wss:// connection: the router's certificate is judged
 * as soon as the TLS handshake is done, before any WAMP message is sent.
 */
function verifiedTlsSocket(options: ConnectionOptions, tls: TlsClientSettings, url: string, progress: TlsProgress): Socket {
  const socket = tlsConnect({ ...options, path: undefined } as ConnectionOptions);
  socket.once('connect', () => (progress.tcpConnected = true));
  socket.once('secureConnect', () => {
    progress.secured = true;
    const refused = checkRouterCertificate(socket, tls, url);
    if (refused !== undefined) socket.destroy(refused);
  });
  return socket;
}
