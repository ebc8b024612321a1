import type { PastryConfig } from './config.js';
import type { Id } from './ids.js';
import { LeafSet } from './leaf-set.js';
import { NeighborhoodSet } from './neighborhood-set.js';
import type { Peer, Proximity } from './peer.js';
import { RoutingTable } from './routing-table.js';

/** One node's Pastry state: routing table, leaf set and neighborhood set, kept together. */
export class NodeState<P extends Peer> {
  readonly table: RoutingTable<P>;
  readonly leafSet: LeafSet<P>;
  readonly neighborhood: NeighborhoodSet<P>;

  constructor(
    readonly self: Id,
    readonly config: PastryConfig,
    proximity: Proximity<P>,
  ) {
    this.table = new RoutingTable(self, config.b, proximity);
    this.leafSet = new LeafSet(self, config.l);
    this.neighborhood = new NeighborhoodSet(self, config.m, proximity);
  }

  /** Offer a node to all three structures. Returns whether any of them kept it. */
  consider(peer: P): boolean {
    const table = this.table.consider(peer);
    const leaves = this.leafSet.consider(peer);
    const near = this.neighborhood.consider(peer);
    return table || leaves || near;
  }

  /** Forget a node everywhere (it failed or left). */
  remove(id: Id): void {
    this.table.remove(id);
    this.leafSet.remove(id);
    this.neighborhood.remove(id);
  }

  /** Every distinct node this state knows. */
  known(): Set<P> {
    const all = new Set<P>(this.table.entries());
    for (const peer of this.leafSet.members()) all.add(peer);
    for (const peer of this.neighborhood.members()) all.add(peer);
    return all;
  }
}
