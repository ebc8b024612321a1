import { createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AgentError } from './errors.js';
import { deviceIdFromPublicKey } from '../common/device-id.js';
import { rawPublicKey } from '../common/ed25519.js';
import { KeyFileError, loadOrCreateEd25519Key } from '../common/key-file.js';

export { base32, deviceIdFromPublicKey, keyFingerprint } from '../common/device-id.js';
export { rawPublicKey } from '../common/ed25519.js';

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

/**
 * Load the device key from `<dataDir>/device-key.pem`, or make one on first start (see
 * loadOrCreateEd25519Key: 0600, atomic, never silently replaced). A key file that cannot be
 * used is an AgentError('identity') naming the file.
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<DeviceIdentity> {
  const keyFile = join(dataDir, keyFileName);
  try {
    const { privateKey, created } = await loadOrCreateEd25519Key(keyFile, 'the device key', 'the device will get a new id');
    const publicKey = rawPublicKey(createPublicKey(privateKey));
    return { id: deviceIdFromPublicKey(publicKey), publicKey, privateKey, keyFile, created };
  } catch (cause) {
    if (cause instanceof KeyFileError) throw new AgentError('identity', cause.message, { cause: cause.cause ?? cause });
    throw cause;
  }
}
