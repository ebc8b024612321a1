import { createHash } from 'node:crypto';
import { idFromHex, type Id } from '../ids.js';

/** The key of a name: the first 128 bits of its SHA-256. */
export function keyOf(name: string): Id {
  return idFromHex(createHash('sha256').update(name).digest('hex').slice(0, 32));
}
