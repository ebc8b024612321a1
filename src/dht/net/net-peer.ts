import { idFromHex, type Id } from '../ids.js';
import type { Peer } from '../peer.js';
import type { PeerInfo } from './wire.js';

/** A live peer as a real node keeps it: id, address, and the round-trip time measured at first contact. */
export interface NetPeer extends Peer {
  readonly id: Id;
  readonly info: PeerInfo;
  readonly rtt: number;
}

export function netPeer(info: PeerInfo, rtt: number): NetPeer {
  return { id: idFromHex(info.id), info, rtt };
}

export function addressKey(host: string, port: number): string {
  return `${host}:${port}`;
}
