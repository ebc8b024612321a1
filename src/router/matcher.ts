/**
 * A table of URI patterns: exact (a Map: O(1)), prefix and wildcard (scanned in
 * order of specificity). The dealer asks for the best match, the broker for all.
 */
export type MatchPolicy = 'exact' | 'prefix' | 'wildcard';

export interface PatternEntry {
  readonly uri: string;
  readonly match: MatchPolicy;
}

interface WildcardPattern<T> {
  entry: T;
  parts: string[];
}

export class UriTable<T extends PatternEntry> {
  private readonly exact = new Map<string, T>();
  /** Longest prefix first, so the first hit is the best one. */
  private prefixes: T[] = [];
  private wildcards: WildcardPattern<T>[] = [];

  get size(): number {
    return this.exact.size + this.prefixes.length + this.wildcards.length;
  }

  get(uri: string, match: MatchPolicy): T | undefined {
    if (match === 'exact') return this.exact.get(uri);
    if (match === 'prefix') return this.prefixes.find((e) => e.uri === uri);
    return this.wildcards.find((w) => w.entry.uri === uri)?.entry;
  }

  add(entry: T): void {
    if (entry.match === 'exact') {
      this.exact.set(entry.uri, entry);
    } else if (entry.match === 'prefix') {
      this.prefixes.push(entry);
      this.prefixes.sort((a, b) => b.uri.length - a.uri.length);
    } else {
      this.wildcards.push({ entry, parts: entry.uri.split('.') });
      // More fixed components first; among equals, the first fixed component further left wins.
      this.wildcards.sort((a, b) => specificity(b.parts) - specificity(a.parts) || firstWildcard(b.parts) - firstWildcard(a.parts));
    }
  }

  delete(entry: T): void {
    if (entry.match === 'exact') {
      if (this.exact.get(entry.uri) === entry) this.exact.delete(entry.uri);
    } else if (entry.match === 'prefix') {
      this.prefixes = this.prefixes.filter((e) => e !== entry);
    } else {
      this.wildcards = this.wildcards.filter((w) => w.entry !== entry);
    }
  }

  /** The single best match: exact, then longest prefix, then most specific wildcard. */
  best(uri: string): T | undefined {
    const exact = this.exact.get(uri);
    if (exact !== undefined) return exact;
    for (const entry of this.prefixes) if (uri.startsWith(entry.uri)) return entry;
    if (this.wildcards.length === 0) return undefined;
    const parts = uri.split('.');
    for (const w of this.wildcards) if (wildcardMatches(w.parts, parts)) return w.entry;
    return undefined;
  }

  /** Every entry that matches, exact first. */
  all(uri: string): T[] {
    const out: T[] = [];
    const exact = this.exact.get(uri);
    if (exact !== undefined) out.push(exact);
    for (const entry of this.prefixes) if (uri.startsWith(entry.uri)) out.push(entry);
    if (this.wildcards.length > 0) {
      const parts = uri.split('.');
      for (const w of this.wildcards) if (wildcardMatches(w.parts, parts)) out.push(w.entry);
    }
    return out;
  }

  *entries(): IterableIterator<T> {
    yield* this.exact.values();
    yield* this.prefixes;
    for (const w of this.wildcards) yield w.entry;
  }
}

function wildcardMatches(pattern: string[], parts: string[]): boolean {
  if (pattern.length !== parts.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p !== '' && p !== parts[i]) return false;
  }
  return true;
}

function specificity(parts: string[]): number {
  let fixed = 0;
  for (const p of parts) if (p !== '') fixed++;
  return fixed;
}

function firstWildcard(parts: string[]): number {
  const i = parts.indexOf('');
  return i === -1 ? parts.length : i;
}
