import type { SerializerName } from '../codec/index.js';
import type { Connection, ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { checkInteger, checkInterval, checkOptionKeys, resolveLimits, resolveSerializers } from './limits.js';
import { connectRawSocket } from './rawsocket-connect.js';
import { resolveTlsClient, type TlsClientOptions } from './tls-client.js';
import { connectWebSocket } from './websocket-connect.js';

export interface ConnectOptions {
  /** Default msgpack for RawSocket, json for WebSocket. */
  serializer?: SerializerName;
  limits?: Partial<ConnectionLimits>;
  /** Connect plus transport handshake, default 10000 ms. */
  timeoutMs?: number;
  /** Send PINGs at this interval; close with 'ping_timeout' without a PONG. Default off. */
  pingIntervalMs?: number;
  /** wss:// and tls:// only: how to check the router's certificate. Default: node's CA list and the URL's host name. */
  tls?: TlsClientOptions;
  signal?: AbortSignal;
}

const optionKeys = ['serializer', 'limits', 'timeoutMs', 'pingIntervalMs', 'tls', 'signal'] as const;
const WHERE = 'connectTransport';

export type TransportTarget =
  | { kind: 'websocket'; url: string }
  | { kind: 'rawsocket'; host: string; port: number; tls?: true }
  | { kind: 'rawsocket'; path: string };

/**
 * ws://host[:port]/path, wss://..., tcp://host:port (alias rawsocket://host:port),
 * tls://host:port (RawSocket over TLS), unix:///absolute/path.
 */
export function parseTransportUrl(url: string): TransportTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TransportError('bad_url', 'not a URL', { url, cause });
  }
  switch (parsed.protocol) {
    case 'ws:':
    case 'wss:':
      return { kind: 'websocket', url };
    case 'tcp:':
    case 'rawsocket:':
    case 'tls:': {
      const port = Number(parsed.port);
      if (parsed.hostname === '' || parsed.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new TransportError('bad_url', `${parsed.protocol}// needs host and port, e.g. ${parsed.protocol}//127.0.0.1:8081`, { url });
      }
      // URL keeps IPv6 hosts in brackets; net.connect wants them bare.
      const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
      return parsed.protocol === 'tls:' ? { kind: 'rawsocket', host, port, tls: true } : { kind: 'rawsocket', host, port };
    }
    case 'unix:': {
      const path = decodeURIComponent(parsed.pathname);
      if (parsed.host !== '' || !path.startsWith('/') || path === '/') {
        throw new TransportError('bad_url', 'unix: URLs need an absolute path, e.g. unix:///run/thoth.sock', { url });
      }
      return { kind: 'rawsocket', path };
    }
    case 'tcps:':
    case 'rawsockets:':
      throw new TransportError('bad_url', `unknown scheme '${parsed.protocol}': RawSocket over TLS is tls://host:port`, { url });
    default:
      throw new TransportError('bad_url', `unknown scheme '${parsed.protocol}' (use ws, wss, tcp, rawsocket, tls or unix)`, { url });
  }
}

/** Open a client connection, the transport chosen by the URL scheme. */
export async function connectTransport(url: string, options: ConnectOptions = {}): Promise<Connection> {
  checkOptionKeys(WHERE, options, optionKeys);
  const target = parseTransportUrl(url);
  const limits = resolveLimits(WHERE, options.limits);
  const timeoutMs = checkInteger(WHERE, 'timeoutMs', options.timeoutMs ?? 10_000, 1);
  const pingIntervalMs = checkInterval(WHERE, 'pingIntervalMs', options.pingIntervalMs);
  if (options.serializer !== undefined) resolveSerializers(WHERE, [options.serializer]);
  const tlsHost = tlsHostOf(target);
  if (options.tls !== undefined && tlsHost === undefined) {
    throw new TransportError('bad_options', `${WHERE}: option 'tls' is for wss:// and tls:// URLs, not ${new URL(url).protocol}//`, { url });
  }
  const tls = tlsHost === undefined ? undefined : resolveTlsClient(WHERE, options.tls, tlsHost);
  const common = { url, limits, timeoutMs, pingIntervalMs, tls, signal: options.signal };
  if (target.kind === 'websocket') {
    return connectWebSocket({ ...common, serializer: options.serializer ?? 'json' });
  }
  const where = 'path' in target ? { path: target.path } : { host: target.host, port: target.port };
  return connectRawSocket({ ...common, target: where, serializer: options.serializer ?? 'msgpack' });
}

/** The host whose certificate a TLS target must present; undefined for plain targets. */
function tlsHostOf(target: TransportTarget): string | undefined {
  if (target.kind === 'websocket') {
    const parsed = new URL(target.url);
    return parsed.protocol === 'wss:' ? parsed.hostname.replace(/^\[(.*)\]$/, '$1') : undefined;
  }
  return 'host' in target && target.tls === true ? target.host : undefined;
}
