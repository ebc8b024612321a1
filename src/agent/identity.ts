import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from './errors.js';
import { deviceIdFromPublicKey } from '../common/device-id.js';

export { base32, deviceIdFromPublicKey, keyFingerprint } from '../common/device-id.js';

export const keyFileName = 'device-key.pem';

/** This device's key pair and the id derived from it. */
export interface DeviceIdentity {
  /** 16 characters of lowercase base32: see {@link deviceIdFromPublicKey}. */
  id: string;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  privateKey: KeyObject;
  /** The key file it was loaded from or written to. */
  keyFile: string;
  /** True when this start made the key. */
  created: boolean;
}

/** The raw 32 bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/**
 * Load the device key from `<dataDir>/device-key.pem`, or make one on first
 * start (mode 0600, written atomically: a temporary file linked into place, so
 * two agents starting at once on one data dir end up with the same key). A key
 * file that exists but cannot be read or is not an Ed25519 private key is an
 * AgentError('identity') naming the file — never silently replaced.
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<DeviceIdentity> {
  const keyFile = join(dataDir, keyFileName);
  const existing = await readKeyFile(keyFile);
  if (existing !== undefined) return identityFrom(parsePrivateKey(existing, keyFile), keyFile, false);

  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new AgentError('identity', `cannot create the data directory ${dataDir}: ${codeOf(cause)}`, { cause });
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const temporary = `${keyFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(pem);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temporary, keyFile);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
      // Another agent on the same data dir won the race: use its key.
      const theirs = await readKeyFile(keyFile);
      if (theirs === undefined) throw cause;
      return identityFrom(parsePrivateKey(theirs, keyFile), keyFile, false);
    }
  } catch (cause) {
    if (cause instanceof AgentError) throw cause;
    throw new AgentError('identity', `cannot write the device key ${keyFile}: ${codeOf(cause)}`, { cause });
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return identityFrom(privateKey, keyFile, true);
}

async function readKeyFile(keyFile: string): Promise<string | undefined> {
  try {
    return await readFile(keyFile, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentError('identity', `cannot read the device key ${keyFile}: ${codeOf(cause)}`, { cause });
  }
}

function parsePrivateKey(pem: string, keyFile: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new AgentError('identity', `the device key ${keyFile} is corrupt (not a PEM private key); move it away to make a new identity (the device will get a new id)`, { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AgentError('identity', `the device key ${keyFile} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, expected Ed25519`);
  }
  return key;
}

function identityFrom(privateKey: KeyObject, keyFile: string, created: boolean): DeviceIdentity {
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return { id: deviceIdFromPublicKey(publicKey), publicKey, privateKey, keyFile, created };
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
