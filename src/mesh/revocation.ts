import { ErrorUri } from '../protocol/error-uris.js';
import type { Peer } from '../router/peer.js';
import type { Realm } from '../router/realm.js';
import { deviceRole, pairingProvider } from './pairing.js';

/** Whether a session joined with this device's (paired) key. */
export function isSessionOfDevice(peer: Peer, device: string): boolean {
  const { authrole, authprovider, authid } = peer.identity;
  return authrole === deviceRole && authprovider === pairingProvider && authid === device;
}

/**
 * A device was revoked: the calls in flight to each of its sessions fail with
 * thoth.error.device_revoked, then the sessions end (ABORT with the same URI).
 */
export function endDeviceSessions(realm: Realm, device: string): number {
  const message = `device ${device} was revoked`;
  let ended = 0;
  for (const peer of [...realm.sessions.values()]) {
    if (!isSessionOfDevice(peer, device)) continue;
    realm.dealer.failInvocations(peer, new Set(peer.registrations), ErrorUri.deviceRevoked, `${message} while the call was in flight`);
    peer.kill(ErrorUri.deviceRevoked, message);
    ended += 1;
  }
  return ended;
}
