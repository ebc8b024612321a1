/**
 * node dist/bench/dht-ideal.js [N,N...] [l] [lookups] [seed]
 *
 * Pastry's hop count with perfect state, b = 4: every routing table slot that some node could
 * fill is filled (by a node drawn at random among those that fit, as proximity choice is
 * random with respect to ids), every leaf set is exact, and the rare case reaches the
 * destination in one hop. Lookups go from a random node to a random key, as in the
 * simulator; a lookup whose source is the root takes 0 hops. What the id space alone gives,
 * to compare the simulator's and the paper's figures with (docs/dht.md). Not part of
 * `npm run bench`.
 */
import { RING, randomId, ringDistance, type Id } from '../src/dht/ids.js';
import { seededRandom } from '../src/dht/random.js';

const [sizesArg = '1000,5000,10000,100000', lArg = '16', lookupsArg = '20000', seedArg = '1'] = process.argv.slice(2);
const l = Number(lArg);
const lookups = Number(lookupsArg);
const random = seededRandom(Number(seedArg));

function measure(n: number): { mean: number; counts: number[] } {
  const ids: Id[] = [];
  const seen = new Set<string>();
  while (ids.length < n) {
    const id = randomId(random);
    if (!seen.has(id.hex)) ids.push(id);
    seen.add(id.hex);
  }
  ids.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const byPrefix = new Map<string, number[]>();
  for (const [i, id] of ids.entries()) {
    for (let p = 1; p <= 8; p++) {
      const prefix = id.hex.slice(0, p);
      const list = byPrefix.get(prefix);
      if (list === undefined) byPrefix.set(prefix, [i]);
      else list.push(i);
    }
  }
  const rootOf = (key: Id): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[mid] as Id).value < key.value) lo = mid + 1;
      else hi = mid;
    }
    const above = lo % n;
    const below = (lo - 1 + n) % n;
    const da = ringDistance(ids[above] as Id, key);
    const db = ringDistance(ids[below] as Id, key);
    return da < db || (da === db && (ids[above] as Id).value < (ids[below] as Id).value) ? above : below;
  };
  /** Whether `key` lies between node i's farthest smaller and farthest larger leaf (clockwise). */
  const covers = (i: number, key: Id): boolean => {
    if (n <= l) return true;
    const from = (ids[(i - l / 2 + n) % n] as Id).value;
    const to = (ids[(i + l / 2) % n] as Id).value;
    return (key.value - from + RING) % RING <= (to - from + RING) % RING;
  };
  const prefixLength = (a: string, b: string): number => {
    let p = 0;
    while (p < a.length && a.charCodeAt(p) === b.charCodeAt(p)) p++;
    return p;
  };
  const counts: number[] = [];
  let sum = 0;
  for (let k = 0; k < lookups; k++) {
    const key = randomId(random);
    const root = rootOf(key);
    let at = Math.floor(random() * n);
    let hops = 0;
    while (at !== root) {
      hops++;
      if (covers(at, key)) break;
      const next = byPrefix.get(key.hex.slice(0, prefixLength((ids[at] as Id).hex, key.hex) + 1));
      if (next === undefined) break; // the rare case, counted as one hop to the root
      at = next[Math.floor(random() * next.length)] as number;
    }
    counts[hops] = (counts[hops] ?? 0) + 1;
    sum += hops;
  }
  return { mean: sum / lookups, counts: Array.from(counts, (c) => c ?? 0) };
}

const lines = [`b = 4, l = ${l}, ${lookups.toLocaleString('en-US')} lookups, seed ${seedArg}, perfect state`, '', '| N | mean hops | log16 N | hop distribution |', '|--:|--:|--:|---|'];
for (const n of sizesArg.split(',').map(Number)) {
  const { mean, counts } = measure(n);
  const distribution = counts.map((c, h) => `${h}: ${((100 * c) / lookups).toFixed(1)}%`).join(', ');
  lines.push(`| ${n.toLocaleString('en-US')} | ${mean.toFixed(3)} | ${(Math.log(n) / Math.log(16)).toFixed(3)} | ${distribution} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
