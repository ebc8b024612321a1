import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { msgpackSerializer } from '../../../codec/msgpack.js';
import { publicKeyFromRaw } from '../../../common/ed25519.js';

/**
 * A membership certificate: the router, the overlay's authority, says that the node with
 * this id and Ed25519 key was let into the overlay on behalf of `holder` (the authid of the
 * session that asked) until `expires`. Text form: base64url(body) "." base64url(signature),
 * the signature over CONTEXT followed by the body bytes, so it travels through WAMP as a string.
 */
export interface Membership {
  readonly node: string;
  /** The node's raw 32-byte Ed25519 public key. */
  readonly key: Buffer;
  readonly holder: string;
  /** Milliseconds since the epoch. */
  readonly issued: number;
  readonly expires: number;
}

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  readonly code = 'DHT_BAD_CERTIFICATE';
}

const CONTEXT = Buffer.from('thoth-dht-membership-v1\0');
/** Clocks of devices in one home may disagree by this much. */
export const CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_CERTIFICATE_CHARS = 1024;

const bodySchema = z.tuple([
  z.literal(1),
  z.string().regex(/^[0-9a-f]{32}$/),
  z.instanceof(Uint8Array).refine((key) => key.length === 32, 'a node key is 32 bytes'),
  z.string().min(1).max(255),
  z.number().int().nonnegative(),
  z.number().int().nonnegative(),
]);

/** A node's id: the first 16 bytes of sha256(its raw public key), so nobody picks their place in the ring. */
export function nodeIdOf(rawKey: Uint8Array): string {
  return createHash('sha256').update(rawKey).digest().subarray(0, 16).toString('hex');
}

export function issueCertificate(authority: KeyObject, membership: Membership): string {
  if (nodeIdOf(membership.key) !== membership.node) throw new CertificateError(`node id ${membership.node} is not the one its key gives`);
  const body = msgpackSerializer.encode([1, membership.node, membership.key, membership.holder, membership.issued, membership.expires]);
  const signature = sign(null, Buffer.concat([CONTEXT, body]), authority);
  return `${body.toString('base64url')}.${signature.toString('base64url')}`;
}

/**
 * Check `text` against the authority's key and the clock; throws CertificateError saying
 * what is wrong (the reason goes to the peer, so it names nothing secret).
 */
export function readCertificate(text: string, authority: KeyObject, now: number): Membership {
  if (text.length > MAX_CERTIFICATE_CHARS) throw new CertificateError('the membership certificate is too long');
  const [bodyText, signatureText, extra] = text.split('.');
  if (bodyText === undefined || signatureText === undefined || extra !== undefined) throw new CertificateError('the membership certificate is not body.signature');
  const body = Buffer.from(bodyText, 'base64url');
  const signature = Buffer.from(signatureText, 'base64url');
  if (signature.length !== 64 || !verify(null, Buffer.concat([CONTEXT, body]), authority, signature)) {
    throw new CertificateError('the membership certificate is not signed by this overlay\'s authority');
  }
  let decoded: unknown;
  try {
    decoded = msgpackSerializer.decode(body);
  } catch {
    throw new CertificateError('the membership certificate body cannot be decoded');
  }
  const parsed = bodySchema.safeParse(decoded);
  if (!parsed.success) throw new CertificateError('the membership certificate body is malformed');
  const [, node, key, holder, issued, expires] = parsed.data;
  const membership: Membership = { node, key: Buffer.from(key), holder, issued, expires };
  if (nodeIdOf(membership.key) !== node) throw new CertificateError('the membership certificate names a node id its key does not give');
  if (issued > now + CLOCK_SKEW_MS) throw new CertificateError('the membership certificate is issued in the future (check the clocks)');
  if (expires + CLOCK_SKEW_MS < now) throw new CertificateError(`the membership certificate of node ${node} expired`);
  return membership;
}

/** The authority's public key from its raw bytes; CertificateError when they are not one. */
export function authorityKey(raw: Uint8Array): KeyObject {
  try {
    return publicKeyFromRaw(raw);
  } catch (error) {
    throw new CertificateError(`the overlay authority key is not an Ed25519 public key: ${(error as Error).message}`);
  }
}
