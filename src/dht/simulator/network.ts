import type { PastryConfig } from '../config.js';
import type { Id } from '../ids.js';
import { nextHop } from '../pastry-route.js';
import { PlaneIndex } from './plane.js';
import type { SimNode } from './sim-node.js';

/** One routed message: the nodes it visited (source first), and what it cost. */
export interface RouteTrace {
  readonly path: SimNode[];
  /** Forwarding attempts, including those sent to dead nodes (each costs a timeout, counted as a hop). */
  readonly hops: number;
  /** Of those, the attempts that found the next hop dead. */
  readonly deadAttempts: number;
  readonly destination: SimNode;
}

/** A hop limit no correct overlay comes near; exceeding it means a routing loop. */
const MAX_HOPS = 256;

/**
 * The simulated network: every node in one process, messages delivered by function calls.
 * A node "sends" to another by reading the other's state; a send to a dead node fails, the
 * sender drops that node from its state and routes again (lazy repair).
 */
export class SimNetwork {
  readonly nodes: SimNode[] = [];
  readonly plane: PlaneIndex<SimNode>;

  constructor(
    readonly config: PastryConfig,
    expectedNodes: number,
  ) {
    this.plane = new PlaneIndex<SimNode>(expectedNodes);
  }

  add(node: SimNode): void {
    this.nodes.push(node);
    this.plane.add(node);
  }

  /** The live node nearest to (x, y) in the plane. */
  nearestLive(x: number, y: number): SimNode | undefined {
    return this.plane.nearest(x, y, (node) => node.alive);
  }

  /** Route a message for `key` from `source` until some node delivers it. */
  route(source: SimNode, key: Id): RouteTrace {
    const path = [source];
    let at = source;
    let hops = 0;
    let deadAttempts = 0;
    for (;;) {
      const step = nextHop(at.state, key);
      if (step.action === 'deliver') return { path, hops, deadAttempts, destination: at };
      hops++;
      if (hops > MAX_HOPS) throw new Error(`routing loop towards ${key.hex} from ${source.id.hex}`);
      const next = step.next;
      if (!next.alive) {
        deadAttempts++;
        at.forget(next);
        continue;
      }
      path.push(next);
      at = next;
    }
  }
}
