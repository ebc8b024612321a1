import type { LoadResult } from './load.js';

/** What the DHT lookup child runs: `nodes` real Pastry nodes in its one process, then each load for each outstanding count. */
export interface DhtLookupConfig {
  nodes: number;
  outstanding: number[];
  warmupMs: number;
  durationMs: number;
  seed: number;
  /** Peer authentication on (certificates from one authority, sealed frames), as agents run it. */
  authenticated?: boolean;
}

export interface DhtLookupRow {
  outstanding: number;
  /** route(key) from a random node to a random key's root (≠ the origin): the root answers from its store. */
  routed: LoadResult;
  meanHops: number;
  /** The same request sent straight to that root over the same links and framing: one round trip, no routing. */
  direct: LoadResult;
}

export interface DhtLookupResult {
  nodes: number;
  authenticated: boolean;
  joinMs: number;
  rows: DhtLookupRow[];
  maxRssKb: number;
}

export interface DhtSimConfig {
  nodes: number;
  lookups: number;
  seed: number;
}

export interface DhtSimResult {
  nodes: number;
  buildMs: number;
  totalMs: number;
  cpuMs: number;
  maxRssKb: number;
  meanHops: number;
  correct: number;
  lookups: number;
  tableEntries: number;
}
