import type { PastryConfig } from '../config.js';
import type { Id } from '../ids.js';
import { NodeState } from '../node-state.js';
import type { Peer } from '../peer.js';

/** A simulated node: an id, a position in the unit square (proximity is Euclidean distance), its state. */
export class SimNode implements Peer {
  alive = true;
  /** Routing table slots (row * columns + column) emptied when a dead entry was dropped, for repair to refill. */
  emptied: number[] = [];
  readonly state: NodeState<SimNode>;

  constructor(
    readonly id: Id,
    readonly x: number,
    readonly y: number,
    config: PastryConfig,
  ) {
    this.state = new NodeState<SimNode>(id, config, (peer) => this.distanceTo(peer));
  }

  distanceTo(other: SimNode): number {
    const dx = this.x - other.x;
    const dy = this.y - other.y;
    return Math.sqrt(dx * dx + dy * dy);
  }

  /** Drop a dead node from every structure, remembering the routing table slot it held. */
  forget(dead: SimNode): void {
    const slot = this.state.table.remove(dead.id);
    if (slot !== undefined) this.emptied.push(slot.row * this.state.table.columns + slot.column);
    this.state.leafSet.remove(dead.id);
    this.state.neighborhood.remove(dead.id);
  }
}
