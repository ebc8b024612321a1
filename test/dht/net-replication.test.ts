/** Replicas follow the ring: nodes joining an overlay that holds values become replicas of the keys they are now closest to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, randomId, type Id } from '../../src/dht/ids.js';
import { LeafSet } from '../../src/dht/leaf-set.js';
import { randomInt, seededRandom } from '../../src/dht/random.js';
import { PastryNode } from '../../src/dht/net/node.js';
import { PastStore } from '../../src/dht/storage/past.js';
import { eventually, kClosest } from './overlay-support.js';

const random = seededRandom(20261205);
/** l = 8, so that with 18 nodes no leaf set holds the whole ring and replicas must move by leaf set changes. */
const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000, pastry: { l: 8 } };
const REPLICAS = 3;
const FIRST = 10;
const JOINING = 8;
const KEYS = 120;

interface Member {
  readonly node: PastryNode;
  readonly store: PastStore;
}

function leafSetsCorrect(live: readonly Member[]): boolean {
  return live.every((member) => {
    const expected = new LeafSet<{ id: Id }>(member.node.id, member.node.config.l);
    for (const other of live) expected.consider({ id: other.node.id });
    const want = expected.members().map((peer) => peer.id.hex).sort().join();
    return member.node.state.leafSet.members().map((peer) => peer.id.hex).sort().join() === want;
  });
}

/** The keys some of whose k closest members do not hold the value written under them (yet). */
function misplaced(keys: readonly Id[], live: readonly Member[]): Id[] {
  return keys.filter((key, i) =>
    kClosest(key, live, REPLICAS).some((holder) => {
      const record = holder.store.local.get(key.hex);
      return record?.kind !== 'lww' || record.version !== 1 || JSON.stringify(record.value) !== JSON.stringify({ n: i });
    }),
  );
}

async function start(members: Member[], bootstrap: PastryNode | undefined): Promise<void> {
  const node = new PastryNode(nodeOptions);
  const store = new PastStore(node, { replicas: REPLICAS });
  members.push({ node, store });
  await node.start({ host: '127.0.0.1', port: 0, ...(bootstrap === undefined ? {} : { bootstrap: bootstrap.info }) });
}

test('values written before nodes join end up on their new k numerically closest nodes', async () => {
  const members: Member[] = [];
  try {
    for (let i = 0; i < FIRST; i++) await start(members, members[0]?.node);
    await eventually('the first nodes have exact leaf sets', () => leafSetsCorrect(members));

    const keys = Array.from({ length: KEYS }, () => randomId(random));
    await Promise.all(keys.map((key, i) => members[i % members.length]!.store.put(key, { n: i }, { version: 1 })));
    assert.deepEqual(misplaced(keys, members).map((key) => key.hex), [], 'every key on its k closest of the first nodes');
    const before = new Map(keys.map((key) => [key.hex, kClosest(key, members, REPLICAS).map((m) => m.node.id.hex).join()]));

    // Each newcomer joins through a random node already in the overlay, one after the other.
    const old = new Set(members);
    for (let i = 0; i < JOINING; i++) await start(members, members[randomInt(random, members.length)]!.node);
    const moved = keys.filter((key) => kClosest(key, members, REPLICAS).map((m) => m.node.id.hex).join() !== before.get(key.hex));
    const onNewcomers = keys.filter((key) => kClosest(key, members, REPLICAS).some((m) => !old.has(m)));
    assert.ok(onNewcomers.length >= KEYS / 2, `only ${onNewcomers.length} of ${KEYS} keys have a newcomer among their k closest: the test would show little`);

    // 600 polls: at least 15 s, for a loaded machine.
    await eventually('every leaf set exact after the joins', () => leafSetsCorrect(members), 600);
    await eventually(`every key on its new ${REPLICAS} closest nodes (${moved.length} of ${KEYS} replica sets changed)`, () => misplaced(keys, members).length === 0, 600);

    // And every newcomer serves the keys it is now root of from its own copy; any node reads every value.
    for (const [i, key] of keys.entries()) {
      const root = kClosest(key, members, 1)[0]!;
      assert.ok(root.store.local.get(key.hex) !== undefined, `the root of ${key.hex} holds it`);
      const reader = members[randomInt(random, members.length)]!;
      assert.deepEqual((await reader.store.get(key))?.value, { n: i }, `value ${i} read after the joins`);
    }
  } finally {
    for (const member of members) member.node.destroy();
  }
});
