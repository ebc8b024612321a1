import { sharedPrefixDigits } from '../ids.js';
import type { SimNetwork } from './network.js';
import type { SimNode } from './sim-node.js';

export interface JoinOptions {
  /**
   * The paper's second join stage for locality: ask each routing table entry for its row of
   * the same index, and each neighbor for its neighborhood set, keeping nearer nodes.
   */
  readonly locality: boolean;
}

/**
 * Pastry's join, as messages between simulated nodes. `node` knows `contact` (a nearby
 * node); the contact routes a join message to node.id; the new node builds its state from
 * the path: its neighborhood set from the contact, row i of its routing table from the
 * i-th node (it offers every row r <= prefix(path node, new node), of which the paper's
 * row i is one, the table keeping the nearest per slot), its leaf set from the last node.
 * Then it sends its state to every node it knows, and each of them considers the new node.
 */
export function join(network: SimNetwork, node: SimNode, contact: SimNode | undefined, options: JoinOptions): void {
  if (contact !== undefined) {
    const state = node.state;
    const path = network.route(contact, node.id).path;
    const first = path[0] as SimNode;
    const last = path[path.length - 1] as SimNode;
    for (const near of first.state.neighborhood.members()) if (near.alive) state.consider(near);
    for (const hop of path) {
      state.consider(hop);
      const prefix = sharedPrefixDigits(hop.id, node.id, network.config.b);
      const rows = Math.min(prefix + 1, hop.state.table.rowsInUse);
      for (let r = 0; r < rows; r++) {
        for (const entry of hop.state.table.row(r) ?? []) if (entry !== undefined && entry.alive) state.table.consider(entry);
      }
    }
    for (const leaf of last.state.leafSet.members()) if (leaf.alive) state.consider(leaf);
    if (options.locality) improveLocality(node);
    for (const peer of state.known()) peer.state.consider(node);
  }
  network.add(node);
}

function improveLocality(node: SimNode): void {
  const table = node.state.table;
  for (let r = 0; r < table.rowsInUse; r++) {
    const row = table.row(r);
    if (row === undefined) continue;
    for (const entry of [...row]) {
      if (entry === undefined) continue;
      for (const candidate of entry.state.table.row(r) ?? []) {
        if (candidate !== undefined && candidate.alive && candidate !== node) table.consider(candidate);
      }
    }
  }
  const neighborhood = node.state.neighborhood;
  for (const near of [...neighborhood.members()]) {
    for (const candidate of near.state.neighborhood.members()) if (candidate.alive) neighborhood.consider(candidate);
  }
}
