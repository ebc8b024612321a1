import type { LeafSide } from '../leaf-set.js';
import type { RandomSource } from '../random.js';
import type { SimNode } from './sim-node.js';

/** Mark `fraction` of the nodes dead at once, without notice. Returns the dead. */
export function failNodes(nodes: readonly SimNode[], fraction: number, random: RandomSource): SimNode[] {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`fail fraction must be in [0, 1), got ${fraction}`);
  const pool = [...nodes];
  const count = Math.floor(fraction * pool.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const pick = pool[j] as SimNode;
    pool[j] = pool[i] as SimNode;
    pool[i] = pick;
    pick.alive = false;
  }
  return pool.slice(0, count);
}

/**
 * Repair every live node's state, as its keep-alives and the paper's repair rules would:
 * dead nodes dropped everywhere; each leaf set side refilled from the leaf sets of its
 * farthest live leaves; each emptied routing table slot (r, c) refilled by asking the other
 * entries of row r for their (r, c), then the entries of row r + 1; the neighborhood set
 * refilled from the neighbors' sets. Answers are filtered by liveness (a real node probes).
 */
export function repairAll(nodes: readonly SimNode[]): void {
  const live = nodes.filter((node) => node.alive);
  for (const node of live) purge(node);
  for (const node of live) {
    repairLeafSet(node, 'smaller');
    repairLeafSet(node, 'larger');
  }
  for (const node of live) {
    repairTable(node);
    repairNeighborhood(node);
  }
}

function purge(node: SimNode): void {
  for (const peer of node.state.known()) if (!peer.alive) node.forget(peer);
}

function repairLeafSet(node: SimNode, side: LeafSide): void {
  const leafSet = node.state.leafSet;
  const asked = new Set<SimNode>();
  while (leafSet.side(side).length < leafSet.half) {
    const members = leafSet.side(side);
    let source: SimNode | undefined;
    for (let i = members.length - 1; i >= 0; i--) {
      const candidate = members[i] as SimNode;
      if (!asked.has(candidate)) {
        source = candidate;
        break;
      }
    }
    if (source === undefined) return;
    asked.add(source);
    for (const leaf of source.state.leafSet.members()) if (leaf.alive && leaf !== node) leafSet.consider(leaf);
  }
}

function repairTable(node: SimNode): void {
  const table = node.state.table;
  const slots = node.emptied;
  node.emptied = [];
  for (const slot of slots) {
    const row = Math.floor(slot / table.columns);
    const column = slot % table.columns;
    if (table.get(row, column) !== undefined) continue;
    for (const askRow of [row, row + 1]) {
      for (const entry of table.row(askRow) ?? []) {
        if (entry === undefined || !entry.alive) continue;
        const answer = entry.state.table.get(row, column);
        if (answer !== undefined && answer.alive && answer !== node) table.consider(answer);
      }
      if (table.get(row, column) !== undefined) break;
    }
  }
}

function repairNeighborhood(node: SimNode): void {
  const neighborhood = node.state.neighborhood;
  if (neighborhood.size === neighborhood.m) return;
  for (const near of [...neighborhood.members()]) {
    for (const candidate of near.state.neighborhood.members()) if (candidate.alive && candidate !== node) neighborhood.consider(candidate);
  }
}
