import { isCloser, sharedPrefixDigits, type Id } from './ids.js';
import type { NodeState } from './node-state.js';
import type { Peer } from './peer.js';

/** What a node does with a message for `key`: keep it, or pass it on (and by which rule). */
export type RouteStep<P extends Peer> =
  | { readonly action: 'deliver' }
  | { readonly action: 'forward'; readonly next: P; readonly rule: 'leaf' | 'table' | 'rare' };

const deliver = { action: 'deliver' } as const;

/**
 * Pastry's routing procedure (Rowstron & Druschel 2001, Table 1), a pure function of the
 * node's state:
 * 1. key within the leaf set range: the numerically closest of the owner and its leaves;
 * 2. else the routing table entry sharing one more digit with the key;
 * 3. else (the rare case) any known node sharing at least as long a prefix with the key as
 *    the owner and numerically closer to it; of those, the closest. None: deliver here.
 */
export function nextHop<P extends Peer>(state: NodeState<P>, key: Id): RouteStep<P> {
  if (state.leafSet.covers(key)) {
    const leaf = state.leafSet.closestTo(key);
    return leaf === undefined ? deliver : { action: 'forward', next: leaf, rule: 'leaf' };
  }
  const entry = state.table.entryFor(key);
  if (entry !== undefined) return { action: 'forward', next: entry, rule: 'table' };
  const rare = rareCase(state, key);
  return rare === undefined ? deliver : { action: 'forward', next: rare, rule: 'rare' };
}

function rareCase<P extends Peer>(state: NodeState<P>, key: Id): P | undefined {
  const b = state.config.b;
  const prefix = sharedPrefixDigits(state.self, key, b);
  let best: P | undefined;
  let bestId = state.self;
  const offer = (peer: P): void => {
    if (isCloser(key, peer.id, bestId) && sharedPrefixDigits(peer.id, key, b) >= prefix) {
      best = peer;
      bestId = peer.id;
    }
  };
  for (const peer of state.leafSet.members()) offer(peer);
  for (const peer of state.table.entries()) offer(peer);
  for (const peer of state.neighborhood.members()) offer(peer);
  return best;
}
