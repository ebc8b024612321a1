import { createHash } from 'node:crypto';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += base32Alphabet[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += base32Alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The device id: lowercase base32 of the first 10 bytes (80 bits) of
 * sha256(raw 32-byte Ed25519 public key) — 16 characters of [a-z2-7].
 */
export function deviceIdFromPublicKey(raw: Uint8Array): string {
  return base32(createHash('sha256').update(raw).digest().subarray(0, 10));
}

/**
 * A key's short fingerprint, for a person to compare what the agent prints with
 * what `thoth devices pending` lists: sha256 of the raw public key, its last 8
 * bytes (the device id uses the first 10) as four hex groups, e.g. "3f9a 12c4 7b0e 55d1".
 */
export function keyFingerprint(raw: Uint8Array): string {
  const hex = createHash('sha256').update(raw).digest().subarray(24).toString('hex');
  return hex.match(/.{4}/g)!.join(' ');
}
