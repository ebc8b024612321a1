import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { stat, unlink } from 'node:fs/promises';
import type { SerializerName } from '../codec/index.js';
import { describeRemote, formatHostPort, isLoopbackAddress } from './address.js';
import { channelBindingOf } from './channel-binding.js';
import type { Connection, ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { checkInteger, checkInterval, checkOptionKeys, resolveLimits, resolveSerializers } from './limits.js';
import type { Listener, ListenerErrorHandler } from './listener.js';
import { RawSocketConnection } from './rawsocket-connection.js';
import { checkTlsServerOptions, type TlsServerOptions } from './tls-server.js';
import { handOverTls } from './tls-sniff.js';
import {
  announcedBytes,
  encodeHandshake,
  encodeHandshakeError,
  exponentToBytes,
  HANDSHAKE_BYTES,
  HandshakeErrorCode,
  parseHandshakeRequest,
} from './rawsocket-handshake.js';

export interface RawSocketListenOptions {
  /** Default 127.0.0.1. Ignored with `path`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** A Unix domain socket path instead of TCP. */
  path?: string;
  /** Certificate and key: RawSocket over TLS (tls://host:port). TCP only. */
  tls?: TlsServerOptions;
  limits?: Partial<ConnectionLimits>;
  /** Serializers accepted, default both. */
  serializers?: SerializerName[];
  /** Time for the client's 4 handshake octets (and, over TLS, for the TLS handshake before them), default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** Send PINGs at this interval and close with 'ping_timeout' without a PONG. Default off. */
  pingIntervalMs?: number;
  /** Connections past this count are refused with the spec's "maximum connection count" reply. */
  maxConnections?: number;
  /** Clients announcing a smaller max message length are refused ("maximum message length unacceptable"). Default 512 (accept all). */
  minClientMaxMessageBytes?: number;
  /** MessagePack connections keep CALL/PUBLISH/YIELD/ERROR payloads encoded (router side; see RawPayload). Default off. */
  passthrough?: boolean;
  onError?: ListenerErrorHandler;
}

const optionKeys = [
  'host', 'port', 'path', 'tls', 'limits', 'serializers', 'handshakeTimeoutMs', 'pingIntervalMs',
  'maxConnections', 'minClientMaxMessageBytes', 'passthrough', 'onError',
] as const;

const WHERE = 'listenRawSocket';

interface Settings {
  limits: ConnectionLimits;
  serializers: SerializerName[];
  handshakeTimeoutMs: number;
  pingIntervalMs: number | undefined;
  maxConnections: number;
  minClientMaxMessageBytes: number;
  unix: boolean;
  /** Bound to loopback (set once bound): only then are TCP peers from loopback local. */
  loopbackListener: boolean;
  passthrough: boolean;
  onError: ListenerErrorHandler | undefined;
}

/** Accept RawSocket connections over TCP or a Unix socket; each is handed over after its handshake. */
export async function listenRawSocket(
  options: RawSocketListenOptions,
  onConnection: (connection: Connection) => void,
): Promise<Listener> {
  checkOptionKeys(WHERE, options, optionKeys);
  if (options.path !== undefined && (options.host !== undefined || options.port !== undefined)) {
    throw new TransportError('bad_options', `${WHERE}: give either 'path' or 'host'/'port', not both`);
  }
  if (options.path !== undefined && options.tls !== undefined) {
    throw new TransportError('bad_options', `${WHERE}: 'tls' is for TCP listeners, not Unix sockets (a Unix socket never leaves the machine)`);
  }
  const tls = options.tls === undefined ? undefined : checkTlsServerOptions(WHERE, options.tls);
  const settings: Settings = {
    limits: resolveLimits(WHERE, options.limits),
    serializers: resolveSerializers(WHERE, options.serializers),
    handshakeTimeoutMs: checkInteger(WHERE, 'handshakeTimeoutMs', options.handshakeTimeoutMs ?? 5_000, 1),
    pingIntervalMs: checkInterval(WHERE, 'pingIntervalMs', options.pingIntervalMs),
    maxConnections: checkInteger(WHERE, 'maxConnections', options.maxConnections ?? Number.MAX_SAFE_INTEGER, 1),
    minClientMaxMessageBytes: checkInteger(
      WHERE, 'minClientMaxMessageBytes', options.minClientMaxMessageBytes ?? exponentToBytes(0), 0, exponentToBytes(15),
    ),
    unix: options.path !== undefined,
    loopbackListener: false,
    passthrough: options.passthrough === true,
    onError: options.onError,
  };
  const live = new Set<Socket>();
  const handshaking = new Set<Socket>();
  const accept = (socket: Socket): void => {
    handshaking.add(socket);
    serverHandshake(socket, settings, () => live.size, (connection) => {
      handshaking.delete(socket);
      live.add(socket);
      socket.once('close', () => live.delete(socket));
      onConnection(connection);
    });
    socket.once('close', () => handshaking.delete(socket));
  };
  let server: Server;
  if (tls === undefined) {
    server = createServer(accept);
  } else {
    // Not listening itself: the TCP server hands it each connection that starts a TLS handshake.
    const tlsServer = createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: settings.handshakeTimeoutMs }, accept);
    const refused = (socket: Socket, reason: string): void => {
      settings.onError?.(new TransportError('tls_failed', `TLS handshake failed: ${reason}`), describeRemote(socket, false).remoteAddress);
    };
    tlsServer.on('tlsClientError', (error: Error, socket: Socket) => refused(socket, error.message));
    server = createServer((socket) => handOverTls(socket, tlsServer, settings.handshakeTimeoutMs, (reason) => refused(socket, reason)));
  }

  const address = await bind(server, options);
  settings.loopbackListener = 'path' in address || isLoopbackAddress(address.host);
  let closing: Promise<void> | undefined;
  return {
    url: 'path' in address ? `unix://${address.path}` : `${tls === undefined ? 'tcp' : 'tls'}://${formatHostPort(address.host, address.port)}`,
    address,
    ...(tls !== undefined && { tlsFingerprint: tls.fingerprint }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        // server.close() stops accepting at once; its callback would wait for every
        // connection, and those belong to their owners now.
        server.close();
        for (const socket of handshaking) socket.destroy();
        setImmediate(resolve);
      });
      return closing;
    },
  };
}

function serverHandshake(
  socket: Socket,
  settings: Settings,
  liveCount: () => number,
  accepted: (connection: RawSocketConnection) => void,
): void {
  const remote = describeRemote(socket, settings.unix, settings.loopbackListener);
  let received: Buffer = Buffer.alloc(0);
  const fail = (reason: string, reply: Buffer | undefined) => {
    cleanup();
    // Keep swallowing socket errors (EPIPE, ECONNRESET) until it is gone.
    socket.on('error', onError);
    settings.onError?.(new TransportError('handshake_failed', `RawSocket handshake refused: ${reason}`), remote.remoteAddress);
    if (reply === undefined) {
      socket.destroy();
      return;
    }
    socket.end(reply);
    // Do not wait forever for the client to close its side.
    setTimeout(() => socket.destroy(), settings.handshakeTimeoutMs).unref();
  };
  const timer = setTimeout(() => fail(`no handshake within ${settings.handshakeTimeoutMs} ms`, undefined), settings.handshakeTimeoutMs);
  timer.unref();
  const onData = (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    if (received.length < HANDSHAKE_BYTES) return;
    const request = parseHandshakeRequest(received.subarray(0, HANDSHAKE_BYTES), settings.serializers, settings.minClientMaxMessageBytes);
    if (!request.ok) return fail(request.reason, request.reply);
    if (liveCount() >= settings.maxConnections) {
      return fail(`${settings.maxConnections} connections already open`, encodeHandshakeError(HandshakeErrorCode.maxConnections));
    }
    cleanup();
    if (!settings.unix) socket.setNoDelay(true);
    socket.write(encodeHandshake(request.serializer, settings.limits.maxMessageBytes));
    accepted(
      new RawSocketConnection(socket, {
        serializer: request.serializer,
        limits: settings.limits,
        ...remote,
        channelBinding: channelBindingOf(socket),
        maxReceiveBytes: announcedBytes(settings.limits.maxMessageBytes),
        peerMaxBytes: request.peerMaxBytes,
        pingIntervalMs: settings.pingIntervalMs,
        initial: received.subarray(HANDSHAKE_BYTES),
        passthrough: settings.passthrough,
      }),
    );
  };
  const onError = () => {
    /* the 'close' that follows ends the handshake */
  };
  const onClose = () => cleanup();
  function cleanup(): void {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', onClose);
  }
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
}

type BoundAddress = { host: string; port: number } | { path: string };

async function bind(server: Server, options: RawSocketListenOptions): Promise<BoundAddress> {
  const path = options.path;
  try {
    await listenOnce(server, path ?? { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    if (path === undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !(await isStaleSocket(path))) {
      throw new TransportError('listen_failed', `cannot listen: ${(error as Error).message}`, { cause: error, url: describeTarget(options) });
    }
    // A socket file left by a process that died: nobody answers on it, so take it over.
    await unlink(path);
    try {
      await listenOnce(server, path);
    } catch (retryError) {
      throw new TransportError('listen_failed', `cannot listen: ${(retryError as Error).message}`, { cause: retryError, url: describeTarget(options) });
    }
  }
  if (path !== undefined) return { path };
  const address = server.address();
  if (address === null || typeof address === 'string') throw new TransportError('listen_failed', 'server has no TCP address');
  return { host: address.address, port: address.port };
}

function listenOnce(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

async function isStaleSocket(path: string): Promise<boolean> {
  // Never remove anything that is not a socket.
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isSocket()) return false;
  return new Promise((resolve) => {
    const probe = netConnect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function describeTarget(options: RawSocketListenOptions): string {
  return options.path !== undefined ? `unix://${options.path}` : `${options.tls === undefined ? 'tcp' : 'tls'}://${formatHostPort(options.host ?? '127.0.0.1', options.port ?? 0)}`;
}
