import { isIP } from 'node:net';

/**
 * The IP address in a session's transport peer ('127.0.0.1:5000', '[::1]:5000',
 * '::ffff:10.0.0.2:5000'), IPv4-mapped IPv6 unwrapped; null for 'unix', 'memory', 'unknown'.
 */
export function observedHost(peer: string): string | null {
  let host: string;
  if (peer.startsWith('[')) {
    const end = peer.indexOf(']');
    host = end < 0 ? '' : peer.slice(1, end);
  } else {
    const colon = peer.lastIndexOf(':');
    host = colon < 0 || isIP(peer) === 6 ? peer : peer.slice(0, colon);
  }
  if (host.toLowerCase().startsWith('::ffff:') && isIP(host.slice(7)) === 4) host = host.slice(7);
  return isIP(host) === 0 ? null : host;
}
