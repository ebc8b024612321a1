import { createPublicKey, type KeyObject } from 'node:crypto';

/** The raw 32 bytes of an Ed25519 (or X25519) public key, from a public or private KeyObject. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error(`not an Ed25519 or X25519 key (${key.asymmetricKeyType ?? key.type})`);
  return Buffer.from(jwk.x, 'base64url');
}

/** A public KeyObject from its raw 32 bytes. */
export function publicKeyFromRaw(raw: Uint8Array, curve: 'Ed25519' | 'X25519' = 'Ed25519'): KeyObject {
  if (raw.length !== 32) throw new Error(`an ${curve} public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: curve, x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}
