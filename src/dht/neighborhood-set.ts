import { sameId, type Id } from './ids.js';
import type { Peer, Proximity } from './peer.js';

/** The neighborhood set: the M proximity-closest nodes known, nearest first. Not used to route; it seeds locality. */
export class NeighborhoodSet<P extends Peer> {
  private readonly peers: P[] = [];
  private readonly distances: number[] = [];

  constructor(
    readonly self: Id,
    readonly m: number,
    private readonly proximity: Proximity<P>,
  ) {
    if (!Number.isInteger(m) || m < 0) throw new RangeError(`m must be an integer >= 0, got ${m}`);
  }

  get size(): number {
    return this.peers.length;
  }

  members(): readonly P[] {
    return this.peers;
  }

  /** Offer a node; kept when there is room or it is nearer than the farthest. Returns whether it was stored. */
  consider(peer: P): boolean {
    if (sameId(peer.id, this.self) || this.m === 0) return false;
    const distance = this.proximity(peer);
    if (this.peers.length === this.m && distance >= (this.distances[this.m - 1] as number)) return false;
    if (this.peers.some((p) => sameId(p.id, peer.id))) return false;
    let at = this.peers.length;
    while (at > 0 && (this.distances[at - 1] as number) > distance) at--;
    this.peers.splice(at, 0, peer);
    this.distances.splice(at, 0, distance);
    if (this.peers.length > this.m) {
      this.peers.pop();
      this.distances.pop();
    }
    return true;
  }

  /**
   * Read every member's proximity again and keep the nearest first. consider() compares with
   * the values read when members came in; on real nodes RTTs change as they are measured.
   */
  refresh(): void {
    const order = this.peers.map((peer, i) => ({ peer, distance: this.proximity(peer), i }));
    order.sort((a, b) => a.distance - b.distance || a.i - b.i);
    for (const [i, entry] of order.entries()) {
      this.peers[i] = entry.peer;
      this.distances[i] = entry.distance;
    }
  }

  remove(id: Id): boolean {
    const i = this.peers.findIndex((p) => sameId(p.id, id));
    if (i < 0) return false;
    this.peers.splice(i, 1);
    this.distances.splice(i, 1);
    return true;
  }
}
