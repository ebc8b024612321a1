import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A key file that cannot be read, written or parsed; the message names the file and what to do. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/**
 * Load the Ed25519 private key in `keyFile` (PEM, PKCS#8), or make one when there is none
 * (mode 0600 in a 0700 folder, written atomically: a temporary file linked into place, so
 * two processes starting at once end up with the same key). A file that exists but cannot
 * be read or is not an Ed25519 private key is a KeyFileError, never silently replaced.
 * `what` names the key in messages ("the device key"); `consequence` says what a new key means.
 */
export async function loadOrCreateEd25519Key(keyFile: string, what: string, consequence: string): Promise<{ privateKey: KeyObject; created: boolean }> {
  const existing = await readKeyFile(keyFile, what);
  if (existing !== undefined) return { privateKey: parsePrivateKey(existing, keyFile, what, consequence), created: false };
  const folder = dirname(keyFile);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new KeyFileError(`cannot create the data directory ${folder}: ${codeOf(cause)}`, { cause });
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
      // Another process on the same folder won the race: use its key.
      const theirs = await readKeyFile(keyFile, what);
      if (theirs === undefined) throw cause;
      return { privateKey: parsePrivateKey(theirs, keyFile, what, consequence), created: false };
    }
  } catch (cause) {
    if (cause instanceof KeyFileError) throw cause;
    throw new KeyFileError(`cannot write ${what} ${keyFile}: ${codeOf(cause)}`, { cause });
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return { privateKey, created: true };
}

async function readKeyFile(keyFile: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(keyFile, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyFileError(`cannot read ${what} ${keyFile}: ${codeOf(cause)}`, { cause });
  }
}

function parsePrivateKey(pem: string, keyFile: string, what: string, consequence: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new KeyFileError(`${what} ${keyFile} is corrupt (not a PEM private key); move it away to make a new one (${consequence})`, { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyFileError(`${what} ${keyFile} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, expected Ed25519`);
  }
  return key;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
