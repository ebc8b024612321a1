import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest } from '../../src/dht/ids.js';
import { keyOf } from '../../src/dht/storage/keys.js';
import { startDhtNode, type DhtNode } from '../../src/dht/api/dht-node.js';

const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000 };

async function overlay(t: { after(fn: () => void): void }, count: number): Promise<DhtNode[]> {
  const nodes: DhtNode[] = [];
  t.after(() => nodes.forEach((node) => node.destroy()));
  for (let i = 0; i < count; i++) {
    const bootstrap = nodes[0]?.address;
    nodes.push(await startDhtNode({
      ...nodeOptions,
      ...(bootstrap === undefined ? {} : { bootstrap }),
      deliver: (key, data, hops) => ({ at: nodes[i]!.id, key: key.hex, data, hops }),
    }));
  }
  return nodes;
}

test('the app API: put, get, remove and route by string keys; status', async (t) => {
  const nodes = await overlay(t, 4);
  const [a, b, c, d] = nodes as [DhtNode, DhtNode, DhtNode, DhtNode];

  const stored = await a.put('profile/alice', { colour: 'green' }, { version: 5 });
  assert.deepEqual(stored, { key: 'profile/alice', value: { colour: 'green' }, version: 5, writer: a.id });
  assert.deepEqual(await b.get('profile/alice'), stored);
  assert.equal(await c.get('profile/bob'), undefined);

  assert.deepEqual(await c.remove('profile/alice', { version: 6 }), { key: 'profile/alice', removed: true, version: 6, writer: c.id });
  for (const node of nodes) assert.equal(await node.get('profile/alice'), undefined, 'removed, read from every node');
  await d.put('profile/alice', 'stale', { version: 4 });
  assert.equal(await a.get('profile/alice'), undefined, 'an older write does not bring a removed value back');
  assert.deepEqual((await b.put('profile/alice', 'again', { version: 7 })).value, 'again');
  assert.equal((await d.get('profile/alice'))?.value, 'again', 'a newer write does');
  assert.deepEqual(await a.remove('profile/alice', { version: 1 }), { key: 'profile/alice', removed: false, version: 7, writer: b.id }, 'an older removal loses');

  const key = keyOf('room/kitchen');
  const root = closest(key, nodes.map((node) => ({ id: node.node.id, node })))!.node;
  const routed = await d.route('room/kitchen', { hello: 'root' });
  assert.equal(routed.root.id, root.id);
  assert.equal(routed.id, key.hex);
  assert.deepEqual(routed.result, { at: root.id, key: key.hex, data: { hello: 'root' }, hops: routed.hops }, "the root's deliver handler answered");

  const status = a.status();
  assert.equal(status.id, a.id);
  assert.equal(status.phase, 'running');
  assert.deepEqual([...status.leafSet.smaller, ...status.leafSet.larger].map((peer) => peer.id).sort(), [b.id, c.id, d.id].sort());
  assert.ok(status.routingTable.entries >= 1 && status.routingTable.rows.every((row) => row.slots === 15 && row.filled <= 15));
  assert.equal(status.storage.path, null, 'in memory without dataDir');
  assert.equal(status.storage.maxBytes, 64 * 1024 * 1024);
  const storage = nodes.map((node) => node.status().storage);
  assert.equal(storage.reduce((sum, s) => sum + s.keys, 0), 3, 'one key, on k = 3 of the 4 nodes');
  assert.ok(storage.every((s) => (s.keys === 0) === (s.bytesUsed === 0)), 'bytes are counted where the key is held');
});

test('bad options and keys are refused, naming what is wrong', async () => {
  await assert.rejects(startDhtNode({ port: 70000 }), /^RangeError: invalid DHT node options: port: /);
  await assert.rejects(startDhtNode({ replicas: 0 }), /invalid DHT node options: replicas: /);
  // @ts-expect-error an unknown option
  await assert.rejects(startDhtNode({ prot: 1 }), /invalid DHT node options: .*"prot"/);
  await assert.rejects(startDhtNode({ host: '0.0.0.0' }), /host 0\.0\.0\.0 is every interface: give advertiseHost/);
  const node = await startDhtNode();
  try {
    await assert.rejects(node.put('', 1), /^RangeError: key: a key is a non-empty string/);
    await assert.rejects(node.get('k'.repeat(2000)), /key: a key is at most 1024 characters/);
  } finally {
    await node.close();
  }
});

test('a bootstrap list: the first node that answers lets the new node in; none answering is a JoinError', async (t) => {
  const nodes = await overlay(t, 2);
  const dead = await startDhtNode();
  const deadAddress = dead.address;
  await dead.close();
  const joined = await startDhtNode({ ...nodeOptions, bootstrap: [deadAddress, nodes[1]!.address] });
  t.after(() => joined.destroy());
  assert.equal([...joined.status().leafSet.smaller, ...joined.status().leafSet.larger].length, 2);
  await assert.rejects(startDhtNode({ ...nodeOptions, bootstrap: [deadAddress] }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'DHT_JOIN_FAILED');
    assert.match(error.message, new RegExp(`^could not join through any of 1 bootstrap node\\(s\\): 127\\.0\\.0\\.1:${deadAddress.port}: `));
    return true;
  });
});
