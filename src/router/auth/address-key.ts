import { isIPv6 } from 'node:net';

/**
 * The key failed authentications are counted under, from a connection's
 * remoteAddress ('1.2.3.4:5678', '[2001:db8::1]:5678', 'unix', ...): the IPv4
 * address, or the /64 prefix of an IPv6 address (one host usually owns a whole
 * /64, so counting single IPv6 addresses would not slow anyone down).
 */
export function addressKey(remoteAddress: string): string {
  let host = remoteAddress;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host.slice(1) : host.slice(1, end);
  } else if (host.split(':').length === 2) {
    host = host.slice(0, host.lastIndexOf(':'));
  }
  const lower = host.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  if (!isIPv6(lower)) return lower;
  return `${expandIPv6(lower).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)));
}
