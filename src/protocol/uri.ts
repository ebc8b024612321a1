/**
 * WAMP URI syntax (the spec's "Relaxed/Loose URIs": components separated by '.',
 * no whitespace, no '#', no empty component) and pattern matching for
 * pattern-based subscriptions and registrations.
 */

export type MatchPolicy = 'exact' | 'prefix' | 'wildcard';

export const matchPolicies: readonly MatchPolicy[] = ['exact', 'prefix', 'wildcard'];

export function isMatchPolicy(value: unknown): value is MatchPolicy {
  return value === 'exact' || value === 'prefix' || value === 'wildcard';
}

// Components are split unambiguously by '.', so none of these can backtrack badly.
/** Non-empty components. */
const EXACT = /^[^\s.#]+(?:\.[^\s.#]+)*$/;
/** Non-empty components, optionally ending with '.' ("com.app." matches "com.app.x"). */
const PREFIX = /^[^\s.#]+(?:\.[^\s.#]+)*\.?$/;
/** Any component may be empty (a wildcard), so only whitespace and '#' are out. */
const WILDCARD = /^[^\s#]+$/;

/**
 * Whether `uri` is valid under a match policy: 'exact' for realms, topics,
 * procedures and error URIs; 'prefix' and 'wildcard' for the pattern of a
 * SUBSCRIBE or REGISTER with that `match` option. The empty string is never valid.
 */
export function isValidUri(uri: string, match: MatchPolicy = 'exact'): boolean {
  if (uri.length === 0) return false;
  switch (match) {
    case 'exact': return EXACT.test(uri);
    case 'prefix': return PREFIX.test(uri);
    case 'wildcard': return WILDCARD.test(uri);
  }
}

/**
 * Whether a (valid, exact) URI matches a pattern: exact is equality, prefix is
 * a plain string prefix (as the spec's examples show: "a.b" matches "a.b-c"),
 * wildcard needs the same number of components and every non-empty pattern
 * component equal to the URI's component at that position.
 */
export function uriMatchesPattern(uri: string, pattern: string, match: MatchPolicy): boolean {
  switch (match) {
    case 'exact': return uri === pattern;
    case 'prefix': return uri.startsWith(pattern);
    case 'wildcard': return wildcardMatches(uri, pattern);
  }
}

/** The components of a wildcard pattern; '' stands for "any component". */
export function wildcardComponents(pattern: string): string[] {
  return pattern.split('.');
}

/** Wildcard match walking both strings in place, without splitting them. */
function wildcardMatches(uri: string, pattern: string): boolean {
  let u = 0;
  let p = 0;
  for (;;) {
    let uEnd = uri.indexOf('.', u);
    if (uEnd === -1) uEnd = uri.length;
    let pEnd = pattern.indexOf('.', p);
    if (pEnd === -1) pEnd = pattern.length;
    const length = pEnd - p;
    if (length !== 0) {
      if (uEnd - u !== length) return false;
      for (let i = 0; i < length; i++) {
        if (uri.charCodeAt(u + i) !== pattern.charCodeAt(p + i)) return false;
      }
    }
    const uDone = uEnd === uri.length;
    const pDone = pEnd === pattern.length;
    if (uDone || pDone) return uDone && pDone;
    u = uEnd + 1;
    p = pEnd + 1;
  }
}
