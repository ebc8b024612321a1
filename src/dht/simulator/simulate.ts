import { pastryConfig, type PastryConfig } from '../config.js';
import { randomId } from '../ids.js';
import { seededRandom } from '../random.js';
import { failNodes, repairAll } from './failure.js';
import { join } from './join.js';
import { measureFill, measureLookups, type FillStats, type LookupStats } from './measure.js';
import { SimNetwork } from './network.js';
import { SimNode } from './sim-node.js';

export interface SimOptions {
  readonly nodes: number;
  readonly config?: Partial<PastryConfig>;
  readonly lookups?: number;
  /** Fraction of nodes to fail without notice after the first measurement; 0 for none. */
  readonly fail?: number;
  readonly seed?: number;
  /** The second, locality-improving join stage (default on). */
  readonly locality?: boolean;
}

export interface FailureReport {
  readonly failed: number;
  readonly before: LookupStats;
  readonly repairMs: number;
  readonly after: LookupStats;
}

export interface SimReport {
  readonly nodes: number;
  readonly config: PastryConfig;
  readonly seed: number;
  readonly buildMs: number;
  readonly lookups: LookupStats;
  readonly fill: FillStats;
  readonly failure?: FailureReport;
}

/** Build an overlay of `nodes` simulated nodes by joins one at a time, then measure it. */
export function buildNetwork(nodes: number, config: PastryConfig, seed: number, locality = true): SimNetwork {
  if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes must be a positive integer, got ${nodes}`);
  const random = seededRandom(seed);
  const network = new SimNetwork(config, nodes);
  const seen = new Set<string>();
  while (network.nodes.length < nodes) {
    const id = randomId(random);
    const node = new SimNode(id, random(), random(), config);
    if (seen.has(id.hex)) continue;
    seen.add(id.hex);
    join(network, node, network.nearestLive(node.x, node.y), { locality });
  }
  return network;
}

export function simulate(options: SimOptions): SimReport {
  const config = pastryConfig(options.config);
  const seed = options.seed ?? 1;
  const lookups = options.lookups ?? 10_000;
  const started = performance.now();
  const network = buildNetwork(options.nodes, config, seed, options.locality ?? true);
  const buildMs = performance.now() - started;
  const random = seededRandom(seed ^ 0x5eed);
  const fill = measureFill(network.nodes);
  const normal = measureLookups(network, lookups, random);
  const report: SimReport = { nodes: options.nodes, config, seed, buildMs, lookups: normal, fill };
  const fraction = options.fail ?? 0;
  if (fraction <= 0) return report;
  const failed = failNodes(network.nodes, fraction, random).length;
  const before = measureLookups(network, lookups, random);
  const repairStarted = performance.now();
  repairAll(network.nodes);
  const repairMs = performance.now() - repairStarted;
  const after = measureLookups(network, lookups, random);
  return { ...report, failure: { failed, before, repairMs, after } };
}
