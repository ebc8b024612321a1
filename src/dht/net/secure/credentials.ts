import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { rawPublicKey } from '../../../common/ed25519.js';
import { authorityKey, CertificateError, CLOCK_SKEW_MS, nodeIdOf, readCertificate, type Membership } from './certificate.js';

export type CredentialsEvent = { kind: 'renewed' } | { kind: 'revoked'; nodes: readonly string[] };

/**
 * What a node needs to take part in an authenticated overlay: its own Ed25519 key (its id
 * derives from it), the membership certificate the router issued for it, the router's key
 * that every peer's certificate must be signed by, and the nodes revoked since. Channels
 * listen for changes: a renewed certificate is sent to every peer, a revoked peer is cut off.
 */
export class OverlayCredentials {
  readonly publicKey: Buffer;
  readonly nodeId: string;
  private current: { text: string; membership: Membership; authority: KeyObject; authorityRaw: Buffer } | undefined;
  private readonly revoked = new Map<string, number>();
  private readonly listeners = new Set<(event: CredentialsEvent) => void>();

  constructor(readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('a node key is an Ed25519 private key');
    this.publicKey = rawPublicKey(privateKey);
    this.nodeId = nodeIdOf(this.publicKey);
  }

  static generate(): OverlayCredentials {
    return new OverlayCredentials(generateKeyPairSync('ed25519').privateKey);
  }

  /** This node's certificate, undefined until the router issued one. */
  get certificate(): string | undefined {
    return this.current?.text;
  }

  get membership(): Membership | undefined {
    return this.current?.membership;
  }

  /** The authority's raw public key, undefined before the first certificate. */
  get authority(): Buffer | undefined {
    return this.current?.authorityRaw;
  }

  /**
   * Take a certificate the router issued for this node. Throws CertificateError when it is
   * not for this node's key, not signed by `authority`, or not valid now.
   */
  install(certificate: string, authority: Uint8Array, now = Date.now()): Membership {
    const key = authorityKey(authority);
    const membership = readCertificate(certificate, key, now);
    if (!membership.key.equals(this.publicKey)) throw new CertificateError('the membership certificate is for another node key');
    const renewed = this.current !== undefined;
    this.current = { text: certificate, membership, authority: key, authorityRaw: Buffer.from(authority) };
    if (renewed) this.emit({ kind: 'renewed' });
    return membership;
  }

  /** Check a peer's certificate: signed by our authority, valid now, not revoked. Throws CertificateError. */
  verifyPeer(certificate: string, now = Date.now()): Membership {
    if (this.current === undefined) throw new CertificateError('this node has no membership certificate yet');
    const membership = readCertificate(certificate, this.current.authority, now);
    if (this.isRevoked(membership.node, now)) throw new CertificateError(`node ${membership.node} was revoked`);
    return membership;
  }

  /** Cut `nodes` off until `until` (their certificates expire by then), at once on every channel. */
  revoke(nodes: readonly string[], until: number): void {
    for (const node of nodes) this.revoked.set(node, Math.max(until, this.revoked.get(node) ?? 0));
    if (nodes.length > 0) this.emit({ kind: 'revoked', nodes });
  }

  isRevoked(node: string, now = Date.now()): boolean {
    const until = this.revoked.get(node);
    if (until === undefined) return false;
    if (until + CLOCK_SKEW_MS >= now) return true;
    this.revoked.delete(node);
    return false;
  }

  sign(data: Buffer): Buffer {
    return sign(null, data, this.privateKey);
  }

  onChange(listener: (event: CredentialsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: CredentialsEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
