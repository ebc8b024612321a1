import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { encodeFrame, MAX_FRAME_BYTES, RawFrameReader } from '../../src/dht/net/framing.js';
import { msgpackSerializer } from '../../src/codec/msgpack.js';
import { PastryNode } from '../../src/dht/net/node.js';
import { keyOf } from '../../src/dht/storage/keys.js';
import { PastStore, type PastStoreOptions } from '../../src/dht/storage/past.js';
import { mergeRecords, setElements, type StoredRecord } from '../../src/dht/storage/record.js';

const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000 };

async function overlay(count: number, options: PastStoreOptions = {}): Promise<{ nodes: PastryNode[]; stores: PastStore[]; stop(): void }> {
  const nodes: PastryNode[] = [];
  const stores: PastStore[] = [];
  for (let i = 0; i < count; i++) {
    const node = new PastryNode(nodeOptions);
    stores.push(new PastStore(node, { writer: `writer-${i}`, ...options }));
    const bootstrap = nodes[0]?.info;
    nodes.push(node);
    await node.start({ host: '127.0.0.1', port: 0, ...(bootstrap === undefined ? {} : { bootstrap }) });
  }
  return { nodes, stores, stop: () => nodes.forEach((node) => node.destroy()) };
}

/** The stores holding a copy of `keyHex`, the root first. */
function holders(stores: readonly PastStore[], nodes: readonly PastryNode[], keyHex: string): PastStore[] {
  return stores.filter((_, i) => nodes[i]!.status === 'running').filter((store) => store.local.get(keyHex) !== undefined);
}

test('framing: a frame split at every offset decodes the same; an oversized length is refused', () => {
  const value = { t: 'req', rid: 7, list: [1, 'two', { three: 3 }] };
  const bytes = Buffer.concat([encodeFrame(value), encodeFrame({ second: true })]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const reader = new RawFrameReader();
    const out = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))].map((body) => msgpackSerializer.decode(body));
    assert.deepEqual(out, [value, { second: true }], `cut at ${cut}`);
  }
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
  assert.throws(() => new RawFrameReader().push(header), { code: 'DHT_BAD_FRAME' });
});

test('records: last writer wins on (version, writer); the set merge is an observed-remove set', () => {
  const a: StoredRecord = { kind: 'lww', version: 2, writer: 'a', value: 'A' };
  const b: StoredRecord = { kind: 'lww', version: 2, writer: 'b', value: 'B' };
  const old: StoredRecord = { kind: 'lww', version: 1, writer: 'z', value: 'Z' };
  assert.equal(mergeRecords(a, b), b);
  assert.equal(mergeRecords(b, a), b);
  assert.equal(mergeRecords(old, a), a);
  assert.equal(mergeRecords(a, a), a);

  const x: StoredRecord = { kind: 'set', adds: [{ element: 'x', tag: 't1' }, { element: 'y', tag: 't2' }], removed: [] };
  const removeX: StoredRecord = { kind: 'set', adds: [], removed: ['t1'] };
  const concurrentAddX: StoredRecord = { kind: 'set', adds: [{ element: 'x', tag: 't3' }], removed: [] };
  const one = mergeRecords(mergeRecords(x, removeX), concurrentAddX);
  const other = mergeRecords(concurrentAddX, mergeRecords(removeX, x));
  assert.deepEqual(one, other, 'merge order does not matter');
  assert.deepEqual(mergeRecords(one, one), one, 'merge is idempotent');
  assert.ok(one.kind === 'set');
  assert.deepEqual(setElements(one), ['x', 'y'], 'an add the remove did not see survives it');
  assert.throws(() => mergeRecords(a, x), { code: 'DHT_KIND_MISMATCH' });
});

test('concurrent writers: last writer wins on (version, writer id), on every replica', async (t) => {
  const { nodes, stores, stop } = await overlay(6);
  t.after(stop);
  const key = keyOf('shared/profile');
  await Promise.all([stores[1]!.put(key, 'from writer-1', { version: 7 }), stores[4]!.put(key, 'from writer-4', { version: 7 })]);
  const tie = await stores[0]!.get(key);
  assert.deepEqual(tie, { value: 'from writer-4', version: 7, writer: 'writer-4' }, 'equal versions: the greater writer id wins');
  await stores[2]!.put(key, 'stale', { version: 6 });
  await stores[3]!.put(key, 'newer', { version: 8 });
  const copies = holders(stores, nodes, key.hex);
  assert.equal(copies.length, 3, 'k = 3 replicas');
  for (const copy of copies) assert.deepEqual(copy.local.get(key.hex), { kind: 'lww', version: 8, writer: 'writer-3', value: 'newer' });
  assert.equal((await stores[5]!.get(key))?.value, 'newer');
  assert.equal(await stores[5]!.get(keyOf('never written')), undefined);
});

test('set values: concurrent adds merge, removes drop what they saw', async (t) => {
  const { nodes, stores, stop } = await overlay(5);
  t.after(stop);
  const key = keyOf('term/pastry');
  await Promise.all([stores[0]!.addToSet(key, ['doc-a', 'doc-b']), stores[1]!.addToSet(key, ['doc-c'])]);
  assert.deepEqual(await stores[2]!.getSet(key), ['doc-a', 'doc-b', 'doc-c']);
  assert.deepEqual(await stores[3]!.removeFromSet(key, ['doc-a']), ['doc-b', 'doc-c']);
  await stores[4]!.addToSet(key, ['doc-a']);
  assert.deepEqual(await stores[0]!.getSet(key), ['doc-a', 'doc-b', 'doc-c'], 'a later add brings the element back');
  for (const copy of holders(stores, nodes, key.hex)) {
    const record = copy.local.get(key.hex);
    assert.ok(record?.kind === 'set');
    assert.deepEqual(setElements(record), ['doc-a', 'doc-b', 'doc-c']);
  }
  await assert.rejects(stores[1]!.get(key), { code: 'DHT_KIND_MISMATCH' });
});

test('a full store refuses the write with DHT_STORAGE_FULL', async (t) => {
  const { stores, stop } = await overlay(3, { maxBytes: 300 });
  t.after(stop);
  await stores[0]!.put(keyOf('small'), 'fits', { version: 1 });
  await assert.rejects(stores[1]!.put(keyOf('big'), 'x'.repeat(1000), { version: 1 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'DHT_STORAGE_FULL');
    assert.match(error.message, /storage full: \d+ of 300 bytes used/);
    return true;
  });
});

test('a malformed frame closes that connection only; the node keeps serving', async (t) => {
  const { nodes, stores, stop } = await overlay(2);
  t.after(stop);
  const target = nodes[1]!.info;
  const socket = connect({ host: target.host, port: target.port });
  await once(socket, 'connect');
  socket.write(encodeFrame({ t: 'req', rid: 1, from: { id: 'nope', host: 'x', port: 1 }, body: { type: 'ping' } }));
  await once(socket, 'close');
  const key = keyOf('after garbage');
  await stores[0]!.put(key, 1, { version: 1 });
  assert.equal((await stores[1]!.get(key))?.value, 1);
  assert.equal(nodes[1]!.status, 'running');
});
