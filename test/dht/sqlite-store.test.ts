import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/dht/storage/sqlite-store.js';
import { recordBytes } from '../../src/dht/storage/replica-store.js';
import { startDhtNode, dhtStorePath, type DhtNode } from '../../src/dht/api/dht-node.js';
import type { StoredRecord } from '../../src/dht/storage/record.js';
import { keyOf } from '../../src/dht/storage/keys.js';
import { closest } from '../../src/dht/ids.js';

const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000 };

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'thoth-dht-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const keyA = 'a'.repeat(32);
const keyB = 'b'.repeat(32);

test('the SQLite store keeps records, their byte count and the node id across a reopen', async (t) => {
  const path = join(await tempDir(t), 'dht', 'store.db');
  const value: StoredRecord = { kind: 'lww', version: 3, writer: 'w', value: { nested: [1, 'two'] } };
  const set: StoredRecord = { kind: 'set', adds: [{ element: 'x', tag: 't1' }], removed: [] };
  const first = SqliteStore.open(path, { maxBytes: 10_000 });
  first.merge(keyA, value);
  first.merge(keyB, set);
  first.merge(keyB, { kind: 'set', adds: [{ element: 'y', tag: 't2' }], removed: ['t1'] });
  const id = first.nodeId();
  const used = first.bytesUsed;
  first.close();

  const again = SqliteStore.open(path, { maxBytes: 10_000 });
  t.after(() => again.close());
  assert.deepEqual(again.get(keyA), value);
  assert.deepEqual(again.get(keyB), { kind: 'set', adds: [{ element: 'y', tag: 't2' }], removed: ['t1'] }, 'the merged record, not the last write');
  assert.deepEqual(again.keys().sort(), [keyA, keyB]);
  assert.equal(again.size, 2);
  assert.equal(again.bytesUsed, used);
  assert.equal(used, recordBytes(keyA, value) + recordBytes(keyB, again.get(keyB)!), 'counted as the in-memory store counts');
  assert.equal(again.nodeId(), id, 'the node id survives the reopen');
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(again.get('c'.repeat(32)), undefined);
});

test('a full SQLite store refuses the write with DHT_STORAGE_FULL and keeps what it had', async (t) => {
  const path = join(await tempDir(t), 'store.db');
  const store = SqliteStore.open(path, { maxBytes: 200 });
  store.merge(keyA, { kind: 'lww', version: 1, writer: 'w', value: 'small' });
  const before = store.bytesUsed;
  assert.throws(() => store.merge(keyB, { kind: 'lww', version: 1, writer: 'w', value: 'x'.repeat(500) }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'DHT_STORAGE_FULL');
    assert.match(error.message, new RegExp(`^storage full: ${before} of 200 bytes used, a \\d+-byte record for ${keyB} does not fit$`));
    return true;
  });
  assert.throws(() => store.merge(keyA, { kind: 'lww', version: 2, writer: 'w', value: 'y'.repeat(500) }), { code: 'DHT_STORAGE_FULL' }, 'growing a record past the cap too');
  store.close();
  const again = SqliteStore.open(path, { maxBytes: 200 });
  t.after(() => again.close());
  assert.equal(again.bytesUsed, before, 'nothing of the refused writes was kept');
  assert.deepEqual(again.keys(), [keyA]);
  assert.deepEqual(again.get(keyA), { kind: 'lww', version: 1, writer: 'w', value: 'small' });
});

test('opening names the file: a schema newer than this thoth, a file that is not a database', async (t) => {
  const dir = await tempDir(t);
  const newer = join(dir, 'newer.db');
  const db = new Database(newer);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => SqliteStore.open(newer, { maxBytes: 1000 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'DHT_STORE');
    assert.equal(error.message, `DHT store ${newer}: cannot open: schema version 99 is newer than this thoth knows (1); upgrade thoth`);
    return true;
  });
  const garbage = join(dir, 'garbage.db');
  await writeFile(garbage, 'this is not a SQLite file, only some text long enough to fill a header '.repeat(20));
  assert.throws(() => SqliteStore.open(garbage, { maxBytes: 1000 }), /^DhtStoreError: DHT store .*garbage\.db: cannot open: .*(not a database|malformed).*move it aside/s);
  assert.throws(() => SqliteStore.open(join(dir, 'x.db'), { maxBytes: 0 }), /maxBytes must be a positive integer, got 0/);
});

test('a node restarted on its data dir takes its old id and serves what it held', async (t) => {
  const dirs = [await tempDir(t), await tempDir(t), await tempDir(t)];
  const nodes: DhtNode[] = [];
  t.after(() => nodes.forEach((node) => node.destroy()));
  // One replica per key: a value lives on its root only, so only the restarted root's disk can serve it.
  const start = async (dataDir: string, bootstrap?: DhtNode): Promise<DhtNode> =>
    startDhtNode({ ...nodeOptions, dataDir, replicas: 1, ...(bootstrap === undefined ? {} : { bootstrap: bootstrap.address }) });
  for (const dir of dirs) nodes.push(await start(dir, nodes[0]));
  const keys = Array.from({ length: 30 }, (_, i) => `file/${i}`);
  await Promise.all(keys.map((key, i) => nodes[i % 3]!.put(key, { i }, { version: 1 })));

  const leaver = nodes[2]!;
  const held = keys.filter((key) => closest(keyOf(key), nodes.map((node) => ({ id: node.node.id, node })))!.node === leaver);
  assert.ok(held.length > 0, 'the leaving node is the root of some keys');
  for (const key of held) assert.ok(leaver.store.local.get(keyOf(key).hex) !== undefined, `${key} is on its root`);
  const id = leaver.id;
  await leaver.close();
  for (const key of held) assert.equal(await nodes[0]!.get(key), undefined, `${key} is gone while its only replica is down`);

  const restarted = await start(dirs[2]!, nodes[0]);
  nodes[2] = restarted;
  assert.equal(restarted.id, id, 'the same id, from the store');
  assert.equal(restarted.status().storage.path, dhtStorePath(dirs[2]!));
  for (const [i, key] of keys.entries()) assert.deepEqual((await nodes[i % 2]!.get(key))?.value, { i }, key);
});
