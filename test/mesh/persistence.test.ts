import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { installMesh, RegistryStoreError } from '../../src/mesh/index.js';
import { newRouter } from '../router/harness.js';
import { addDevice, addProvider, invoke, joinRouter } from './harness.js';

interface Device { id: string; name: string; status: string; tags: Record<string, string>; first_seen: string }

describe('registry persistence', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-registry-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('devices survive a router restart (offline until they come back); modality ids are never reused', async () => {
    const dataDir = join(dir, 'restart');
    const first = newRouter();
    installMesh(first, { dataDir });
    const device = await addDevice(first, 'dev-keep', 'study', { room: 'study' });
    const { modality } = await addProvider(first, device.id, 'speaker', ['media.play']);
    const before = (await invoke(device.agent, 'thoth.device.get', ['study'])) as Device;
    await first.close();

    const second = newRouter();
    installMesh(second, { dataDir });
    const peer = await joinRouter(second);
    const [known] = (await invoke(peer, 'thoth.device.list')) as Device[];
    assert.equal(known?.id, 'dev-keep');
    assert.equal(known?.status, 'offline');
    assert.deepEqual(known?.tags, { room: 'study' });
    assert.equal(known?.first_seen, before.first_seen);
    const gone = (await invoke(peer, 'thoth.modality.list', [], { status: 'gone' })) as { id: number }[];
    assert.deepEqual(gone.map((m) => m.id), [modality]);
    const again = await addDevice(second, 'dev-keep', 'study');
    const next = await addProvider(second, again.id, 'speaker', ['media.play']);
    assert.ok(next.modality > modality, 'a new modality id, never a reused one');
    await second.close();
  });

  test('a database that is not one is a clear start-up error naming the file, and is left untouched', async () => {
    const dataDir = join(dir, 'corrupt');
    await rm(dataDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dataDir, { recursive: true }));
    const file = join(dataDir, 'registry.db');
    await writeFile(file, 'this is not a sqlite database, just some bytes that a careless tool left here'.repeat(100));
    const router = newRouter();
    assert.throws(() => installMesh(router, { dataDir }), (e: unknown) => e instanceof RegistryStoreError && e.message.includes(file) && /not a database/.test(e.message));
    const { readFile } = await import('node:fs/promises');
    assert.match(await readFile(file, 'utf8'), /^this is not a sqlite database/);
    await router.close();
  });

  test('a database from a newer thoth is refused rather than downgraded', async () => {
    const dataDir = join(dir, 'newer');
    const router = newRouter();
    installMesh(router, { dataDir });
    await router.close();
    const db = new Database(join(dataDir, 'registry.db'));
    db.pragma('user_version = 99');
    db.close();
    const again = newRouter();
    assert.throws(() => installMesh(again, { dataDir }), /schema version 99 is newer/);
    await again.close();
  });
});
