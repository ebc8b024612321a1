import type { Id } from './ids.js';

/** What the node state keeps of another node: at least its id. Real nodes add an address. */
export interface Peer {
  readonly id: Id;
}

/** Proximity from the owning node to a peer (round-trip time, or distance in the simulator); smaller is nearer. */
export type Proximity<P extends Peer> = (peer: P) => number;
