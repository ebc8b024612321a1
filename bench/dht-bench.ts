/**
 * The DHT's sections of `npm run bench`: lookups on a 20-node loopback overlay against a
 * direct request to the same root (label "dht lookups"), and the simulator's time and peak
 * memory at N = 10,000 ("dht sim 10000") and N = 100,000 ("dht sim 100000", about two minutes
 * and 400 MB; --quick leaves it out). Each runs in a child process of its own.
 */
import type { Timing } from './cell.js';
import type { DhtLookupConfig, DhtLookupResult, DhtSimConfig, DhtSimResult } from './dht-types.js';
import type { LoadResult } from './load.js';
import { startChild } from './mesh-spawn.js';

export type DhtSection = { kind: 'lookups'; label: string; nodes: number } | { kind: 'sim'; label: string; nodes: number };

export const DHT_FULL_NODES = 100_000;

/** `full`: include N = 100,000 (the default run; false with --quick). */
export function dhtSections(full: boolean): DhtSection[] {
  const sims = full ? [10_000, DHT_FULL_NODES] : [10_000];
  return [{ kind: 'lookups', label: 'dht lookups', nodes: 20 }, ...sims.map((nodes): DhtSection => ({ kind: 'sim', label: `dht sim ${nodes}`, nodes }))];
}

/** The --only rule of the other sections: every space- or comma-separated word is a word of the label. */
export function dhtSectionMatches(section: DhtSection, filter: string | undefined): boolean {
  if (!filter) return true;
  const words = section.label.split(' ');
  return filter.split(/[\s,]+/).filter((w) => w.length > 0).every((w) => words.includes(w));
}

const OUTSTANDING = [1, 16];
const SIM_LOOKUPS = 10_000;
/** Generous: the 100,000-node build alone takes about two minutes on a 2-CPU machine. */
const SIM_TIMEOUT_MS = 15 * 60_000;

async function runLookups(nodes: number, timing: Timing, authenticated: boolean): Promise<DhtLookupResult> {
  const config: DhtLookupConfig = { nodes, outstanding: OUTSTANDING, warmupMs: timing.warmupMs, durationMs: timing.durationMs, seed: 1, authenticated };
  const child = startChild('dht-lookup-process', config);
  try {
    await child.take('ready', 60_000);
    const budget = OUTSTANDING.length * 2 * (timing.warmupMs + timing.durationMs) + 60_000;
    return (await child.take('result', budget)).result as DhtLookupResult;
  } finally {
    child.kill();
  }
}

async function runSim(nodes: number): Promise<DhtSimResult> {
  const config: DhtSimConfig = { nodes, lookups: SIM_LOOKUPS, seed: 1 };
  const child = startChild('dht-sim-process', config);
  try {
    return (await child.take('result', SIM_TIMEOUT_MS)).result as DhtSimResult;
  } finally {
    child.kill();
  }
}

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function lookupTable(result: DhtLookupResult): string {
  return [
    '| outstanding | routed lookups/s | direct requests/s | routed / direct | mean hops | routed p50 ms | routed p99 ms | direct p50 ms | direct p99 ms |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...result.rows.map((row) => `| ${row.outstanding} | ${int(row.routed.callsPerSecond)} | ${int(row.direct.callsPerSecond)} | ${fixed(row.routed.callsPerSecond / row.direct.callsPerSecond, 2)} | ${fixed(row.meanHops, 2)} | ${fixed(row.routed.latency.p50Ms, 3)} | ${fixed(row.routed.latency.p99Ms, 3)} | ${fixed(row.direct.latency.p50Ms, 3)} | ${fixed(row.direct.latency.p99Ms, 3)} |`),
  ].join('\n');
}

function simTable(results: readonly DhtSimResult[]): string {
  return [
    '| N | build s | build + lookups s | CPU s | peak RSS MB | mean hops | lookups correct | table entries per node |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map((r) => `| ${int(r.nodes)} | ${fixed(r.buildMs / 1000, 1)} | ${fixed(r.totalMs / 1000, 1)} | ${fixed(r.cpuMs / 1000, 1)} | ${fixed(r.maxRssKb / 1024, 0)} | ${fixed(r.meanHops, 2)} | ${int(r.correct)} of ${int(r.lookups)} | ${fixed(r.tableEntries, 1)} |`),
  ].join('\n');
}

function errorLines(result: DhtLookupResult): string[] {
  const lines: string[] = [];
  for (const row of result.rows) {
    for (const [what, load] of [['routed', row.routed], ['direct', row.direct]] as [string, LoadResult][]) {
      if (load.errors > 0) lines.push(`- ${what} x${row.outstanding}: ${load.errors} failed, first: ${load.firstError ?? '?'}`);
    }
  }
  return lines;
}

/** Runs the sections in order and returns their markdown. */
export async function runDhtSections(sections: readonly DhtSection[], timing: Timing, full: boolean, progress: (text: string) => void): Promise<string> {
  const out: string[] = [];
  const sims: DhtSimResult[] = [];
  for (const section of sections) {
    progress(`${section.label} ...`);
    if (section.kind === 'sim') {
      sims.push(await runSim(section.nodes));
      continue;
    }
    const result = await runLookups(section.nodes, timing, false);
    progress(`${section.label}, authenticated ...`);
    const secured = await runLookups(section.nodes, timing, true);
    out.push(
      '### DHT lookups',
      '',
      `${result.nodes} real Pastry nodes (TCP on 127.0.0.1, MessagePack frames, b = 4, l = 16) in one process, joined one by one through the first (${fixed(result.joinMs / 1000, 1)} s until every leaf set was exact). 4,096 random keys each hold a small value (k = 3 replicas); each call picks the next (origin, key) pair, origin never the key's root. **routed**: a DHT get, \`route(key, get)\` from the origin, forwarded hop by hop to the key's root, which answers from its own copy; **direct** (the baseline): a fetch sent straight to that root over the same links, framing and validation, answered from the same copy: one round trip, no routing. Closed loop per outstanding count, ${timing.warmupMs} ms warm-up then ${timing.durationMs} ms measured, direct first. All nodes share one event loop, so a hop costs its CPU time in the latency too. Peak RSS of the process: ${fixed(result.maxRssKb / 1024, 0)} MB.`,
      '',
      lookupTable(result),
      '',
      `The same with peer authentication, as agents run it (every node certified by one authority; each connection opened by the signed X25519 handshake, every frame sealed with AES-256-GCM; joined in ${fixed(secured.joinMs / 1000, 1)} s, peak RSS ${fixed(secured.maxRssKb / 1024, 0)} MB):`,
      '',
      lookupTable(secured),
      '',
      '| outstanding | authenticated / open, routed | authenticated / open, direct |',
      '|--:|--:|--:|',
      ...result.rows.map((row, i) => {
        const other = secured.rows[i]!;
        return `| ${row.outstanding} | ${fixed(other.routed.callsPerSecond / row.routed.callsPerSecond, 2)} | ${fixed(other.direct.callsPerSecond / row.direct.callsPerSecond, 2)} |`;
      }),
    );
    const errors = [...errorLines(result), ...errorLines(secured).map((line) => `${line} (authenticated)`)];
    if (errors.length > 0) out.push('', 'Failed calls (these rows are suspect):', ...errors);
  }
  if (sims.length > 0) {
    if (out.length > 0) out.push('');
    out.push(
      '### DHT simulator',
      '',
      `\`simulate()\` (src/dht/simulator) in a fresh process per N: build the overlay by joins one at a time (b = 4, l = 16, M = 32, locality stage on, seed 1), then ${int(SIM_LOOKUPS)} lookups; no failures. Peak RSS is the process's maxRSS.${full ? '' : ` N = ${int(DHT_FULL_NODES)} (one to two minutes, about 380 MB) was left out (\`--quick\`; \`--dht-full\` keeps it).`}`,
      '',
      simTable(sims),
    );
  }
  return out.join('\n');
}
