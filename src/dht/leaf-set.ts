import { clockwise, isCloser, RING, sameId, type Id } from './ids.js';

const HALF = RING >> 1n;
import type { Peer } from './peer.js';

export type LeafSide = 'smaller' | 'larger';

/**
 * The leaf set: the l/2 nodes numerically closest above the owner (clockwise) and the l/2
 * closest below (counter-clockwise), each side sorted nearest first. A node belongs to the
 * side of the half ring it lies in (clockwise distance <= 2^127: larger), so the sides never
 * share a node and a side that lost members to failures cannot take in a node from the far
 * side of the ring: its range shrinks instead, and routing falls back to the table.
 */
export class LeafSet<P extends Peer> {
  readonly half: number;
  private readonly below: P[] = [];
  private readonly above: P[] = [];

  constructor(
    readonly self: Id,
    readonly l: number,
  ) {
    if (!Number.isInteger(l) || l < 2 || l % 2 !== 0) throw new RangeError(`l must be an even integer >= 2, got ${l}`);
    this.half = l / 2;
  }

  side(which: LeafSide): readonly P[] {
    return which === 'smaller' ? this.below : this.above;
  }

  /** The farthest member of a side, or undefined when the side is empty. */
  farthest(which: LeafSide): P | undefined {
    const side = this.side(which);
    return side[side.length - 1];
  }

  /** Members of both sides, larger side first. */
  members(): P[] {
    return [...this.above, ...this.below];
  }

  get size(): number {
    return this.above.length + this.below.length;
  }

  has(id: Id): boolean {
    return this.below.some((p) => sameId(p.id, id)) || this.above.some((p) => sameId(p.id, id));
  }

  /** Whether both sides hold l/2 nodes. */
  get full(): boolean {
    return this.below.length === this.half && this.above.length === this.half;
  }

  /** Offer a node to the side of the ring it lies on. Returns whether it was kept. */
  consider(peer: P): boolean {
    if (sameId(peer.id, this.self)) return false;
    const up = clockwise(this.self, peer.id);
    if (up <= HALF) return this.insert(this.above, peer, up, (p) => clockwise(this.self, p.id));
    return this.insert(this.below, peer, RING - up, (p) => clockwise(p.id, this.self));
  }

  private insert(side: P[], peer: P, distance: bigint, distanceOf: (p: P) => bigint): boolean {
    for (const other of side) if (sameId(other.id, peer.id)) return false;
    let at = side.length;
    while (at > 0 && distance < distanceOf(side[at - 1] as P)) at--;
    if (at >= this.half) return false;
    side.splice(at, 0, peer);
    if (side.length > this.half) side.pop();
    return true;
  }

  /** Drop a node. Returns the side it was on, or undefined when it was not a member. */
  remove(id: Id): LeafSide | undefined {
    const i = this.above.findIndex((p) => sameId(p.id, id));
    if (i >= 0) {
      this.above.splice(i, 1);
      return 'larger';
    }
    const j = this.below.findIndex((p) => sameId(p.id, id));
    if (j >= 0) {
      this.below.splice(j, 1);
      return 'smaller';
    }
    return undefined;
  }

  /** Whether `key` lies between the farthest smaller and the farthest larger member (wrapping). */
  covers(key: Id): boolean {
    const up = this.farthest('larger');
    if (up !== undefined && clockwise(this.self, key) <= clockwise(this.self, up.id)) return true;
    const down = this.farthest('smaller');
    if (down !== undefined && clockwise(key, this.self) <= clockwise(down.id, this.self)) return true;
    return key.value === this.self.value;
  }

  /** The member numerically closest to `key`, or undefined when the owner itself is at least as close. */
  closestTo(key: Id): P | undefined {
    let best: P | undefined;
    let bestId = this.self;
    for (const side of [this.above, this.below]) {
      for (const peer of side) {
        if (isCloser(key, peer.id, bestId)) {
          best = peer;
          bestId = peer.id;
        }
      }
    }
    return best;
  }
}
