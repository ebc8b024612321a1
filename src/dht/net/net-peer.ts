import { idFromHex, type Id } from '../ids.js';
import type { Peer } from '../peer.js';
import type { PeerInfo } from './wire.js';

/**
 * A live peer as a real node keeps it: id, address, and its round-trip time in ms (the
 * proximity metric). `rtt` starts as the first contact's ping and is lowered or raised by
 * later round trips on the open link (PeerDirectory.recordRtt).
 */
export interface NetPeer extends Peer {
  readonly id: Id;
  readonly info: PeerInfo;
  rtt: number;
}

export function netPeer(info: PeerInfo, rtt: number): NetPeer {
  return { id: idFromHex(info.id), info, rtt };
}

export function addressKey(host: string, port: number): string {
  return `${host}:${port}`;
}
