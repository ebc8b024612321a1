import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, randomId, sameId, type Id } from '../../src/dht/ids.js';
import { LeafSet } from '../../src/dht/leaf-set.js';
import { seededRandom, randomInt } from '../../src/dht/random.js';
import { PastryNode } from '../../src/dht/net/node.js';
import { PastStore } from '../../src/dht/storage/past.js';
import { eventually, kClosest } from './overlay-support.js';

const random = seededRandom(20261121);
const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000 };
const REPLICAS = 6;

interface Member {
  readonly node: PastryNode;
  readonly store: PastStore;
}

function expectedLeaves(self: Id, live: readonly Member[], l: number): string[] {
  const leafSet = new LeafSet<{ id: Id }>(self, l);
  for (const member of live) leafSet.consider({ id: member.node.id });
  return leafSet.members().map((peer) => peer.id.hex).sort();
}

function leafSetsCorrect(live: readonly Member[]): boolean {
  return live.every((member) => {
    const actual = member.node.state.leafSet.members().map((peer) => peer.id.hex).sort();
    return actual.join() === expectedLeaves(member.node.id, live, member.node.config.l).join();
  });
}

async function lookups(live: readonly Member[], count: number): Promise<number> {
  let maxHops = 0;
  for (let done = 0; done < count; done += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - done) }, async () => {
        const key = randomId(random);
        const from = live[randomInt(random, live.length)]!;
        const result = await from.node.route(key, { op: 'get' });
        const expected = closest(key, live.map((member) => ({ id: member.node.id })))!;
        assert.equal(result.root.id, expected.id.hex, `key ${key.hex} from ${from.node.id.hex}`);
        maxHops = Math.max(maxHops, result.hops);
      }),
    );
  }
  return maxHops;
}

test('20 real nodes on loopback: join, route, store, survive 5 failures at once, leave', async (t) => {
  const members: Member[] = [];
  t.after(() => {
    for (const member of members) member.node.destroy();
  });

  await t.test('20 nodes join one by one through a bootstrap node', async () => {
    for (let i = 0; i < 20; i++) {
      const node = new PastryNode(nodeOptions);
      const store = new PastStore(node, { replicas: REPLICAS });
      const bootstrap = members[0]?.node.info;
      members.push({ node, store });
      await node.start({ host: '127.0.0.1', port: 0, ...(bootstrap === undefined ? {} : { bootstrap }) });
    }
    assert.equal(members.length, 20);
    await eventually('every leaf set holds the right nodes', () => leafSetsCorrect(members));
  });

  await t.test('1,000 lookups each reach the numerically closest live node', async () => {
    const maxHops = await lookups(members, 1000);
    assert.ok(maxHops <= 4, `max hops ${maxHops}`);
  });

  const keys: Id[] = [];
  await t.test('100 values stored on k replicas and read back from random nodes', async () => {
    for (let i = 0; i < 100; i++) keys.push(randomId(random));
    await Promise.all(keys.map((key, i) => members[i % members.length]!.store.put(key, { n: i }, { version: 1 })));
    for (const [i, key] of keys.entries()) {
      const holders = kClosest(key, members, REPLICAS);
      for (const holder of holders) assert.ok(holder.store.local.get(key.hex) !== undefined, `replica of ${key.hex}`);
      const reader = members[randomInt(random, members.length)]!;
      const got = await reader.store.get(key);
      assert.deepEqual(got?.value, { n: i });
    }
  });

  await t.test('5 nodes killed without notice: after repair every value is readable and lookups are right', async () => {
    const victims = new Set<Member>();
    while (victims.size < 5) victims.add(members[1 + randomInt(random, members.length - 1)]!);
    for (const victim of victims) victim.node.destroy();
    const live = members.filter((member) => !victims.has(member));
    const deadIds = [...victims].map((victim) => victim.node.id);
    await eventually('leaf sets repaired', () =>
      leafSetsCorrect(live) && live.every((m) => m.node.state.leafSet.members().every((p) => !deadIds.some((d) => sameId(d, p.id)))),
    );
    await eventually('every key back on k live replicas', () =>
      keys.every((key) => kClosest(key, live, REPLICAS).every((holder) => holder.store.local.get(key.hex) !== undefined)),
    );
    for (const [i, key] of keys.entries()) {
      const got = await live[randomInt(random, live.length)]!.store.get(key);
      assert.deepEqual(got?.value, { n: i }, `value ${i} after failures`);
    }
    await lookups(live, 1000);
    members.splice(0, members.length, ...live);
  });

  await t.test('graceful leave: the leaf set learns at once, values stay readable', async () => {
    const leaver = members[members.length - 1]!;
    const neighbours = members.filter((member) => member.node.state.leafSet.has(leaver.node.id));
    assert.ok(neighbours.length > 0);
    await leaver.node.close();
    assert.equal(leaver.node.status, 'closed');
    const live = members.slice(0, -1);
    for (const member of neighbours) assert.equal(member.node.state.leafSet.has(leaver.node.id), false, 'removed on leave');
    await eventually('leaf sets repaired after the leave', () => leafSetsCorrect(live));
    await eventually('keys re-replicated after the leave', () =>
      keys.every((key) => kClosest(key, live, REPLICAS).every((holder) => holder.store.local.get(key.hex) !== undefined)),
    );
    for (const [i, key] of keys.entries()) assert.deepEqual((await live[i % live.length]!.store.get(key))?.value, { n: i });
    await lookups(live, 200);
    members.splice(0, members.length, ...live);
  });
});
