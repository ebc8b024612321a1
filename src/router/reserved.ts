/** URI namespaces only the router may register or publish in. */
export function isReservedUri(uri: string): boolean {
  return uri.startsWith('wamp.') || uri.startsWith('thoth.');
}
