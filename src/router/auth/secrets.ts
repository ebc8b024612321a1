import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters: N = 2^log2N, block size r, parallelism p. */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

/** A parsed `scrypt$N$r$p$salt$hash` string (salt and hash in base64url). */
export interface SecretHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/** 2^15 x 8 x 128 bytes = 32 MiB and some tens of ms per verification. */
export const defaultScryptParams: ScryptParams = { log2N: 15, r: 8, p: 1 };

const bounds = { log2N: [10, 20], r: [1, 16], p: [1, 4], salt: [16, 64], hash: [16, 64] } as const;
const saltBytes = 16;
const hashBytes = 32;
const base64url = /^[A-Za-z0-9_-]+$/;

function scryptAsync(secret: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  // scrypt needs 128 * N * r * p bytes; leave headroom over Node's 32 MiB default cap.
  const maxmem = 256 * N * params.r * params.p + (1 << 20);
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N, r: params.r, p: params.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hash a ticket secret with a fresh random salt: `scrypt$32768$8$1$<salt>$<hash>`. */
export async function hashSecret(secret: string, params: ScryptParams = defaultScryptParams): Promise<string> {
  if (secret.length === 0) throw new RangeError('the secret must not be empty');
  const salt = randomBytes(saltBytes);
  const hash = await scryptAsync(secret, salt, hashBytes, params);
  return ['scrypt', 2 ** params.log2N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Parse a stored secret hash; a string is the reason it is not one. */
export function parseSecretHash(encoded: string): SecretHash | string {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'must look like scrypt$N$r$p$salt$hash (made by `thoth keygen ticket`)';
  const [, nText, rText, pText, saltText, hashText] = parts as [string, string, string, string, string, string];
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  const log2N = Math.log2(N);
  if (!/^\d+$/.test(nText) || !Number.isInteger(log2N) || log2N < bounds.log2N[0] || log2N > bounds.log2N[1]) {
    return `scrypt N must be a power of two from 2^${bounds.log2N[0]} to 2^${bounds.log2N[1]}`;
  }
  if (!/^\d+$/.test(rText) || r < bounds.r[0] || r > bounds.r[1]) return `scrypt r must be from ${bounds.r[0]} to ${bounds.r[1]}`;
  if (!/^\d+$/.test(pText) || p < bounds.p[0] || p > bounds.p[1]) return `scrypt p must be from ${bounds.p[0]} to ${bounds.p[1]}`;
  if (!base64url.test(saltText) || !base64url.test(hashText)) return 'salt and hash must be base64url';
  const salt = Buffer.from(saltText, 'base64url');
  const hash = Buffer.from(hashText, 'base64url');
  if (salt.length < bounds.salt[0] || salt.length > bounds.salt[1]) return `the salt must be ${bounds.salt[0]} to ${bounds.salt[1]} bytes`;
  if (hash.length < bounds.hash[0] || hash.length > bounds.hash[1]) return `the hash must be ${bounds.hash[0]} to ${bounds.hash[1]} bytes`;
  return { log2N, r, p, salt, hash };
}

/** Whether `secret` matches the stored hash; the comparison takes the same time wherever the bytes differ. */
export async function verifySecret(secret: string, stored: SecretHash): Promise<boolean> {
  const computed = await scryptAsync(secret, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(computed, stored.hash);
}

/**
 * A hash no secret matches (random bytes, never the output of scrypt), with the
 * default cost: verifying against it costs what a real verification costs, so an
 * unknown authid answers as slowly as a wrong secret.
 */
export function unmatchableHash(params: ScryptParams = defaultScryptParams): SecretHash {
  return { ...params, salt: randomBytes(saltBytes), hash: randomBytes(hashBytes) };
}
