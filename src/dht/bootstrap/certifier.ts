import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { publicKeyFromRaw, rawPublicKey } from '../../common/ed25519.js';
import { issueCertificate, nodeIdOf } from '../net/secure/certificate.js';
import { checkAnnounceProof } from './announce-proof.js';

export const DEFAULT_CERTIFICATE_TTL_MS = 60 * 60_000;

export class CertifyError extends Error {
  override readonly name = 'CertifyError';
}

export interface IssuedMembership {
  readonly certificate: string;
  /** The authority's raw public key, base64url. */
  readonly authority: string;
  readonly expires: number;
}

/**
 * The router as the overlay's authority: it signs membership certificates for the nodes of
 * the sessions it let in, and remembers which holder (authid) each node was certified to,
 * so that revoking a device can name its nodes.
 */
export class OverlayAuthority {
  readonly publicKey: Buffer;
  private readonly issued = new Map<string, Map<string, number>>();

  constructor(private readonly key: KeyObject = generateKeyPairSync('ed25519').privateKey, readonly ttlMs = DEFAULT_CERTIFICATE_TTL_MS, private readonly now: () => number = Date.now) {
    this.publicKey = rawPublicKey(key);
  }

  /** Certify the node `nodeId` with key `keyText` for `holder`, if `proof` shows the caller holds the key. Throws CertifyError. */
  certify(holder: string, sessionId: number, nodeId: string, keyText: string, proof: string): IssuedMembership {
    const key = Buffer.from(keyText, 'base64url');
    if (nodeIdOf(key) !== nodeId) throw new CertifyError(`id: ${nodeId} is not the id key gives (${nodeIdOf(key)}): a node id is the first 16 bytes of sha256(key)`);
    if (!checkAnnounceProof(publicKeyFromRaw(key), nodeId, sessionId, proof)) throw new CertifyError('proof: not a signature by key over this node id and session');
    const issued = this.now();
    const expires = issued + this.ttlMs;
    const certificate = issueCertificate(this.key, { node: nodeId, key, holder, issued, expires });
    const nodes = this.issued.get(holder) ?? new Map<string, number>();
    nodes.set(nodeId, expires);
    this.issued.set(holder, nodes);
    return { certificate, authority: this.publicKey.toString('base64url'), expires };
  }

  /** The nodes certified to `holder` whose certificates have not expired, and the last expiry; forgets them. */
  revokeHolder(holder: string): { nodes: string[]; until: number } {
    const nodes = this.issued.get(holder);
    this.issued.delete(holder);
    const now = this.now();
    const live = [...(nodes ?? [])].filter(([, expires]) => expires > now);
    return { nodes: live.map(([node]) => node), until: Math.max(0, ...live.map(([, expires]) => expires)) };
  }
}
