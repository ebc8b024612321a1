import type { Id } from './ids.js';
import type { Peer } from './peer.js';

/**
 * The common key-based routing API (Dabek et al., "Towards a common API for structured
 * peer-to-peer overlays", 2003) as Pastry offers it to applications. The simulator routes
 * with `nextHop` directly. Real nodes offer the same over TCP, asynchronously and with an
 * answer travelling back to the origin: `PastryNode.route(key, data, { hint })` and the
 * `NetApplication` upcalls `deliver`, `forward`, `update` (net/node.ts, docs/dht.md).
 */
export interface KeyBasedRouting<P extends Peer, M> {
  /** Send `msg` towards the live node numerically closest to `key`; `hint` is a suggested first hop. */
  route(key: Id, msg: M, hint?: P): void;
}

/** The application's hooks, called by the node that holds the message. */
export interface KbrApplication<P extends Peer, M> {
  /** The message reached the node responsible for `key`. */
  deliver(key: Id, msg: M): void;
  /**
   * The message is about to go to `next`; return the (possibly changed) message and next hop,
   * or null to stop it here.
   */
  forward(key: Id, msg: M, next: P): { msg: M; next: P } | null;
  /** A node joined (`joined` true) or left the leaf set. */
  update(peer: P, joined: boolean): void;
}
