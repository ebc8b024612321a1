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

/** Remote address of a TCP or Unix socket, for logs and the `isLocal` flag. */
export function describeRemote(
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined },
  unix: boolean,
): { remoteAddress: string; isLocal: boolean } {
  if (unix) return { remoteAddress: 'unix', isLocal: true };
  const { remoteAddress, remotePort } = socket;
  // Undefined when the socket is already gone.
  if (remoteAddress === undefined) return { remoteAddress: 'unknown', isLocal: false };
  return {
    remoteAddress: remotePort === undefined ? remoteAddress : formatHostPort(remoteAddress, remotePort),
    isLocal: isLoopbackAddress(remoteAddress),
  };
}
