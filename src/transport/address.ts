/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** 'host:port', with IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Remote address of a TCP or Unix socket, for logs and the `isLocal` flag. A TCP
 * peer is local only from a loopback address, and on a listener only when that
 * listener is bound to loopback (`loopbackListener`): on one bound to 0.0.0.0 a
 * loopback peer may be a proxy or tunnel relaying anyone.
 */
export function describeRemote(
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined },
  unix: boolean,
  loopbackListener = true,
): { remoteAddress: string; isLocal: boolean } {
  if (unix) return { remoteAddress: 'unix', isLocal: true };
  const { remoteAddress, remotePort } = socket;
  // Undefined when the socket is already gone.
  if (remoteAddress === undefined) return { remoteAddress: 'unknown', isLocal: false };
  return {
    remoteAddress: remotePort === undefined ? remoteAddress : formatHostPort(remoteAddress, remotePort),
    isLocal: loopbackListener && isLoopbackAddress(remoteAddress),
  };
}

/**
 * A browser origin as it is compared: 'scheme://host[:port]' lowercased, the
 * default port left out (what browsers send in the Origin header). Undefined for
 * anything that is not an http(s) origin (a path, a query, credentials, 'null').
 */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') return undefined;
  return url.origin;
}
