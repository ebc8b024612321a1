import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { WebSocketServer } from 'ws';
import type { SerializerName } from '../codec/index.js';
import { describeRemote, formatHostPort, isLoopbackAddress, normalizeOrigin } from './address.js';
import { channelBindingOf } from './channel-binding.js';
import type { Connection, ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { checkInterval, checkOptionKeys, resolveLimits, resolveSerializers } from './limits.js';
import type { Listener, ListenerErrorHandler } from './listener.js';
import { checkTlsServerOptions, type TlsServerOptions } from './tls-server.js';
import { serializerForSubprotocol, subprotocolBySerializer, WebSocketConnection } from './websocket-connection.js';

export interface WebSocketListenOptions {
  /** Default 127.0.0.1. Ignored with `server`. */
  host?: string;
  /** Default 0 (any free port). Ignored with `server`. */
  port?: number;
  /** HTTP path of the endpoint, default '/ws'. */
  path?: string;
  /**
   * Attach to this HTTP server (already listening, or about to) instead of creating one.
   * Only upgrade requests for `path` are answered; other requests are left alone.
   * An https server makes a wss:// listener.
   */
  server?: Server;
  /** Certificate and key: serve wss:// (HTTPS). Not with `server`. */
  tls?: TlsServerOptions;
  limits?: Partial<ConnectionLimits>;
  /** Serializers (subprotocols) accepted, default both. */
  serializers?: SerializerName[];
  /** Send WebSocket pings at this interval; close with 'ping_timeout' without a pong. Default off. */
  pingIntervalMs?: number;
  /** MessagePack connections keep CALL/PUBLISH/YIELD/ERROR payloads encoded (router side; see RawPayload). Default off. */
  passthrough?: boolean;
  /**
   * Browser origins that may open a WebSocket here ('https://app.example:8443').
   * An upgrade request carrying an Origin header not in this list is refused with
   * HTTP 403: browsers always send one (so a web page cannot reach the router through
   * the owner's browser: cross-site WebSocket hijacking), WAMP clients in Node and
   * other native programs send none. Default: no origin is allowed.
   */
  allowedOrigins?: readonly string[];
  onError?: ListenerErrorHandler;
}

const optionKeys = ['host', 'port', 'path', 'server', 'tls', 'limits', 'serializers', 'pingIntervalMs', 'passthrough', 'allowedOrigins', 'onError'] as const;
const WHERE = 'listenWebSocket';
/** Time a client has for the TLS handshake. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Accept WAMP-over-WebSocket connections (subprotocols wamp.2.json, wamp.2.msgpack). */
export async function listenWebSocket(
  options: WebSocketListenOptions,
  onConnection: (connection: Connection) => void,
): Promise<Listener> {
  checkOptionKeys(WHERE, options, optionKeys);
  const path = options.path ?? '/ws';
  if (!path.startsWith('/')) throw new TransportError('bad_options', `${WHERE}: option 'path' must start with '/', got '${path}'`);
  const limits = resolveLimits(WHERE, options.limits);
  const accepted = resolveSerializers(WHERE, options.serializers);
  const pingIntervalMs = checkInterval(WHERE, 'pingIntervalMs', options.pingIntervalMs);
  if (options.tls !== undefined && options.server !== undefined) {
    throw new TransportError('bad_options', `${WHERE}: give either 'tls' or 'server' (an https server for wss://), not both`);
  }
  const tls = options.tls === undefined ? undefined : checkTlsServerOptions(WHERE, options.tls);
  const allowedOrigins = checkOrigins(options.allowedOrigins);
  const ownServer = options.server === undefined;
  // Set once bound: connections are local (anonymous may join) only on a listener bound to loopback.
  let loopbackListener = false;
  const server: NetServer = options.server ?? (tls === undefined
    ? createServer(refusePlainHttp(path))
    : createHttpsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, refusePlainHttp(path)));
  const secure = server instanceof TlsServer;
  const scheme = secure ? 'wss' : 'ws';

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (offered) => pickSubprotocol([...offered], accepted) ?? false,
  });

  const onUpgrade = (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (requestPath(request) !== path) {
      // On a shared server another upgrade handler may own this path.
      if (ownServer) refuseUpgrade(socket, 404, `no WebSocket endpoint here; use ${path}`);
      return;
    }
    const remote = describeRemote(socket, false, loopbackListener);
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(normalizeOrigin(origin) ?? origin)) {
      const shown = origin.length > 200 ? `${origin.slice(0, 200)}...` : origin;
      const reason = `browser origin ${JSON.stringify(shown)} is not allowed to connect (allowedOrigins; the router config's websocket.allowedOrigins)`;
      options.onError?.(new TransportError('origin_refused', `WebSocket upgrade refused: ${reason}`), remote.remoteAddress);
      refuseUpgrade(socket, 403, reason);
      return;
    }
    const offered = parseProtocolHeader(request.headers['sec-websocket-protocol']);
    const protocol = pickSubprotocol(offered, accepted);
    const serializer = protocol === undefined ? undefined : serializerForSubprotocol(protocol);
    if (serializer === undefined) {
      const reason = `no supported WAMP subprotocol offered (offered: ${offered.join(', ') || 'none'}; supported: ${accepted.map((s) => subprotocolBySerializer[s]).join(', ')})`;
      options.onError?.(new TransportError('handshake_failed', `WebSocket handshake refused: ${reason}`), remote.remoteAddress);
      refuseUpgrade(socket, 400, reason);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      onConnection(new WebSocketConnection(ws, {
        serializer, limits, ...remote, channelBinding: channelBindingOf(socket), pingIntervalMs, socket, passthrough: options.passthrough === true,
      }));
    });
  };
  const onTlsClientError = (error: Error, socket: Socket) => {
    options.onError?.(new TransportError('tls_failed', `TLS handshake failed: ${error.message}`), describeRemote(socket, false).remoteAddress);
  };
  server.on('upgrade', onUpgrade);
  if (ownServer && secure) server.on('tlsClientError', onTlsClientError);

  if (ownServer) {
    try {
      await listenOnce(server, options.host ?? '127.0.0.1', options.port ?? 0);
    } catch (error) {
      server.off('upgrade', onUpgrade);
      throw new TransportError('listen_failed', `cannot listen: ${(error as Error).message}`, {
        cause: error,
        url: `${scheme}://${formatHostPort(options.host ?? '127.0.0.1', options.port ?? 0)}${path}`,
      });
    }
  } else if (!server.listening) {
    await new Promise<void>((resolve) => server.once('listening', resolve));
  }
  const bound = server.address();
  if (bound === null || typeof bound === 'string') {
    server.off('upgrade', onUpgrade);
    throw new TransportError('listen_failed', `${WHERE}: the HTTP server is not bound to a TCP address`);
  }
  const address = { host: bound.address, port: bound.port };
  loopbackListener = isLoopbackAddress(bound.address);
  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${formatHostPort(address.host, address.port)}${path}`,
    address,
    ...(tls !== undefined && { tlsFingerprint: tls.fingerprint }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        // Stops accepting at once; open WebSockets belong to their owners and are left alone.
        if (ownServer) server.close();
        setImmediate(resolve);
      });
      return closing;
    },
  };
}

/** The first subprotocol in the client's order of preference that we accept. */
export function pickSubprotocol(offered: readonly string[], accepted: readonly SerializerName[]): string | undefined {
  return offered.find((protocol) => {
    const serializer = serializerForSubprotocol(protocol);
    return serializer !== undefined && accepted.includes(serializer);
  });
}

function parseProtocolHeader(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

function requestPath(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

/** The allowedOrigins option, validated and normalized. */
function checkOrigins(origins: readonly string[] | undefined): ReadonlySet<string> {
  if (origins === undefined) return new Set();
  if (!Array.isArray(origins)) throw new TransportError('bad_options', `${WHERE}: option 'allowedOrigins' must be a list of origins such as 'https://app.example:8443'`);
  const out = new Set<string>();
  for (const origin of origins) {
    const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : undefined;
    if (normalized === undefined) {
      throw new TransportError('bad_options', `${WHERE}: option 'allowedOrigins': ${JSON.stringify(origin)} is not an origin (scheme http or https, host, optional port, nothing else; e.g. 'https://app.example:8443')`);
    }
    out.add(normalized);
  }
  return out;
}

const statusTexts = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' } as const;

function refuseUpgrade(socket: Socket, status: keyof typeof statusTexts, message: string): void {
  const body = `${message}\n`;
  const statusText = statusTexts[status];
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function refusePlainHttp(path: string) {
  return (_request: IncomingMessage, response: ServerResponse) => {
    const body = `WAMP WebSocket endpoint: connect to ${path} with subprotocol wamp.2.json or wamp.2.msgpack\n`;
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'Upgrade' });
    response.end(body);
  };
}

function listenOnce(server: NetServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
