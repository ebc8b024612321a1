import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AgentError } from '../../src/agent/errors.js';
import { base32, deviceIdFromPublicKey, keyFileName, loadOrCreateIdentity } from '../../src/agent/identity.js';
import { TempDirs } from './support.js';

const dirs = new TempDirs();
after(() => dirs.cleanup());

describe('device identity', () => {
  it('encodes base32 as RFC 4648 (lowercase, no padding)', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
    for (const [input, expected] of vectors) assert.equal(base32(Buffer.from(input)), expected, input);
  });

  it('derives a 16-character id from the first 10 bytes of sha256(public key)', () => {
    const id = deviceIdFromPublicKey(new Uint8Array(32));
    assert.match(id, /^[a-z2-7]{16}$/);
    // sha256 of 32 zero bytes starts 66687aadf862bd776c8f...
    assert.equal(id, base32(Buffer.from('66687aadf862bd776c8f', 'hex')));
  });

  it('is made on first start (mode 0600) and the same on every start after', async () => {
    const dir = join(await dirs.make(), 'nested', 'state');
    const first = await loadOrCreateIdentity(dir);
    assert.equal(first.created, true);
    assert.match(first.id, /^[a-z2-7]{16}$/);
    assert.equal(first.keyFile, join(dir, keyFileName));
    assert.equal((await stat(first.keyFile)).mode & 0o777, 0o600);
    const second = await loadOrCreateIdentity(dir);
    assert.equal(second.created, false);
    assert.equal(second.id, first.id);
    assert.deepEqual(second.publicKey, first.publicKey);
    assert.deepEqual(await readdir(dir), [keyFileName], 'no temporary file is left behind');
  });

  it('gives two agents starting together on one data dir the same key', async () => {
    const dir = await dirs.make();
    const ids = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateIdentity(dir)));
    assert.equal(new Set(ids.map((i) => i.id)).size, 1);
  });

  it('refuses a corrupt key file, naming it, and leaves it in place', async () => {
    const dir = await dirs.make();
    const file = join(dir, keyFileName);
    await writeFile(file, '-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n');
    await assert.rejects(loadOrCreateIdentity(dir), (error: unknown) =>
      error instanceof AgentError && error.code === 'identity' && error.message.includes(file) && error.message.includes('corrupt'));
    await assert.rejects(loadOrCreateIdentity(dir), AgentError, 'still refused: it was not replaced');
  });

  it('refuses a key of another type', async () => {
    const dir = await dirs.make();
    const { privateKey } = generateKeyPairSync('x25519');
    await writeFile(join(dir, keyFileName), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await assert.rejects(loadOrCreateIdentity(dir), (error: unknown) => error instanceof AgentError && /x25519 key, expected Ed25519/.test(error.message));
  });
});
