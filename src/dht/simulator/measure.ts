import { isCloser, randomId, type Id } from '../ids.js';
import type { RandomSource } from '../random.js';
import type { SimNetwork } from './network.js';
import type { SimNode } from './sim-node.js';

export interface LookupStats {
  readonly lookups: number;
  /** Lookups delivered to the live node numerically closest to their key. */
  readonly correct: number;
  /** Forwarding attempts per lookup, dead next hops included. */
  readonly meanHops: number;
  /** hopCounts[h] = lookups that took h hops. */
  readonly hopCounts: number[];
  readonly deadAttempts: number;
  /**
   * Mean over lookups of (sum of proximity distances along the route) / (direct distance
   * from the source to the node that delivered); lookups delivered at their source are left out.
   */
  readonly distanceRatio: number;
  /** Sum of route distances over sum of direct distances, over the same lookups. */
  readonly distanceRatioOfSums: number;
}

export interface FillStats {
  /** Mean routing table entries per live node. */
  readonly meanEntries: number;
  /** rowFill[r] = mean fraction of row r's other-digit slots filled. */
  readonly rowFill: number[];
  readonly meanLeafSet: number;
  readonly meanNeighborhood: number;
}

/** The live nodes sorted by id, to find the true numerically closest live node to a key. */
export class LiveIndex {
  private readonly sorted: SimNode[];

  constructor(nodes: readonly SimNode[]) {
    this.sorted = nodes.filter((n) => n.alive).sort((a, b) => (a.id.value < b.id.value ? -1 : a.id.value > b.id.value ? 1 : 0));
  }

  get size(): number {
    return this.sorted.length;
  }

  at(i: number): SimNode {
    return this.sorted[i] as SimNode;
  }

  closest(key: Id): SimNode {
    const nodes = this.sorted;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((nodes[mid] as SimNode).id.value < key.value) lo = mid + 1;
      else hi = mid;
    }
    const above = nodes[lo % nodes.length] as SimNode;
    const below = nodes[(lo - 1 + nodes.length) % nodes.length] as SimNode;
    return isCloser(key, above.id, below.id) ? above : below;
  }
}

/** Route `count` lookups, each from a random live node to a random key, and check where each lands. */
export function measureLookups(network: SimNetwork, count: number, random: RandomSource): LookupStats {
  const live = new LiveIndex(network.nodes);
  if (live.size === 0) throw new Error('no live nodes to measure');
  const hopCounts: number[] = [];
  let correct = 0;
  let hopSum = 0;
  let deadAttempts = 0;
  let ratioSum = 0;
  let ratioCount = 0;
  let travelledSum = 0;
  let directSum = 0;
  for (let i = 0; i < count; i++) {
    const source = live.at(Math.floor(random() * live.size));
    const key = randomId(random);
    const trace = network.route(source, key);
    if (trace.destination === live.closest(key)) correct++;
    hopSum += trace.hops;
    deadAttempts += trace.deadAttempts;
    hopCounts[trace.hops] = (hopCounts[trace.hops] ?? 0) + 1;
    const direct = source.distanceTo(trace.destination);
    if (direct > 0) {
      let travelled = 0;
      for (let h = 1; h < trace.path.length; h++) travelled += (trace.path[h - 1] as SimNode).distanceTo(trace.path[h] as SimNode);
      ratioSum += travelled / direct;
      travelledSum += travelled;
      directSum += direct;
      ratioCount++;
    }
  }
  for (let h = 0; h < hopCounts.length; h++) hopCounts[h] ??= 0;
  return {
    lookups: count,
    correct,
    meanHops: count === 0 ? 0 : hopSum / count,
    hopCounts,
    deadAttempts,
    distanceRatio: ratioCount === 0 ? 0 : ratioSum / ratioCount,
    distanceRatioOfSums: directSum === 0 ? 0 : travelledSum / directSum,
  };
}

export function measureFill(nodes: readonly SimNode[]): FillStats {
  const live = nodes.filter((n) => n.alive);
  const rowSums: number[] = [];
  let entries = 0;
  let leaves = 0;
  let near = 0;
  for (const node of live) {
    const table = node.state.table;
    entries += table.size;
    leaves += node.state.leafSet.size;
    near += node.state.neighborhood.size;
    for (let r = 0; r < table.rowsInUse; r++) rowSums[r] = (rowSums[r] ?? 0) + table.rowFill(r);
  }
  const n = Math.max(1, live.length);
  const slots = (live[0]?.state.table.columns ?? 2) - 1;
  return {
    meanEntries: entries / n,
    rowFill: Array.from(rowSums, (sum) => (sum ?? 0) / (n * slots)),
    meanLeafSet: leaves / n,
    meanNeighborhood: near / n,
  };
}
