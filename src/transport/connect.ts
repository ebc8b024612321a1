import type { SerializerName } from '../codec/index.js';
import type { Connection, ConnectionLimits } from './connection.js';
import { TransportError } from './errors.js';
import { checkInteger, checkInterval, checkOptionKeys, resolveLimits, resolveSerializers } from './limits.js';
import { connectRawSocket } from './rawsocket-connect.js';
import { connectWebSocket } from './websocket-connect.js';

export interface ConnectOptions {
  /** Default msgpack for RawSocket, json for WebSocket. */
  serializer?: SerializerName;
  limits?: Partial<ConnectionLimits>;
  /** Connect plus transport handshake, default 10000 ms. */
  timeoutMs?: number;
  /** Send PINGs at this interval; close with 'ping_timeout' without a PONG. Default off. */
  pingIntervalMs?: number;
  signal?: AbortSignal;
}

const optionKeys = ['serializer', 'limits', 'timeoutMs', 'pingIntervalMs', 'signal'] as const;
const WHERE = 'connectTransport';

export type TransportTarget =
  | { kind: 'websocket'; url: string }
  | { kind: 'rawsocket'; host: string; port: number }
  | { kind: 'rawsocket'; path: string };

/**
 * ws://host[:port]/path, wss://..., tcp://host:port (alias rawsocket://host:port),
 * unix:///absolute/path.
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
    case 'rawsocket:': {
      const port = Number(parsed.port);
      if (parsed.hostname === '' || parsed.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new TransportError('bad_url', `${parsed.protocol}// needs host and port, e.g. tcp://127.0.0.1:8081`, { url });
      }
      // URL keeps IPv6 hosts in brackets; net.connect wants them bare.
      const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
      return { kind: 'rawsocket', host, port };
    }
    case 'unix:': {
      const path = decodeURIComponent(parsed.pathname);
      if (parsed.host !== '' || !path.startsWith('/') || path === '/') {
        throw new TransportError('bad_url', 'unix: URLs need an absolute path, e.g. unix:///run/thoth.sock', { url });
      }
      return { kind: 'rawsocket', path };
    }
    default:
      throw new TransportError('bad_url', `unknown scheme '${parsed.protocol}' (use ws, wss, tcp, rawsocket or unix)`, { url });
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
  const common = { url, limits, timeoutMs, pingIntervalMs, signal: options.signal };
  if (target.kind === 'websocket') {
    return connectWebSocket({ ...common, serializer: options.serializer ?? 'json' });
  }
  const { kind: _kind, ...where } = target;
  return connectRawSocket({ ...common, target: where, serializer: options.serializer ?? 'msgpack' });
}
