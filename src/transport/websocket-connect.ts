import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { SerializerName } from '../codec/index.js';
import { describeRemote } from './address.js';
import type { ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { subprotocolBySerializer, WebSocketConnection } from './websocket-connection.js';

export interface WebSocketConnectSettings {
  url: string;
  serializer: SerializerName;
  limits: ConnectionLimits;
  timeoutMs: number;
  pingIntervalMs: number | undefined;
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
    const ws = new WebSocket(url, [subprotocol], {
      maxPayload: settings.limits.maxMessageBytes,
      perMessageDeflate: false,
      followRedirects: false,
    });
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
