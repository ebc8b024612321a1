import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { closest, idFromHex, type Id } from '../../src/dht/ids.js';
import { NeighborhoodSet } from '../../src/dht/neighborhood-set.js';
import { keyOf } from '../../src/dht/storage/keys.js';
import { DhtNode, startDhtNode, type DhtNodeOptions } from '../../src/dht/api/dht-node.js';
import type { ForwardDecision } from '../../src/dht/net/node.js';
import type { PeerInfo } from '../../src/dht/net/wire.js';
import { eventually } from './overlay-support.js';

/*
 * The common KBR API on real nodes over loopback: forward (every hop before the root; change,
 * redirect, stop), route's hint, update on join, leave and failure, RTT measured on open links,
 * and join through the nearest bootstrap contact (a proxy adds latency to one of them).
 */

const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000 };
/** b = 1 and l = 2: routes of several hops in a 16-node overlay. */
const multiHop = { ...nodeOptions, pastry: { b: 1, l: 2 } };

interface ForwardCall {
  readonly at: string;
  readonly next: string;
  readonly hops: number;
  readonly data: unknown;
}

/** What every node's forward handler records and answers; tests set `decide`. */
interface Hooks {
  calls: ForwardCall[];
  delivered: number;
  decide: (at: DhtNode, call: ForwardCall) => ForwardDecision | null | void;
}

async function overlay(t: { after(fn: () => void): void }, count: number, options: DhtNodeOptions): Promise<{ nodes: DhtNode[]; hooks: Hooks }> {
  const nodes: DhtNode[] = [];
  const hooks: Hooks = { calls: [], delivered: 0, decide: () => undefined };
  t.after(() => nodes.forEach((node) => node.destroy()));
  for (let i = 0; i < count; i++) {
    const bootstrap = nodes[0]?.address;
    nodes.push(
      await startDhtNode({
        ...options,
        ...(bootstrap === undefined ? {} : { bootstrap }),
        deliver: (_key, data, hops) => {
          hooks.delivered++;
          return { at: nodes[i]!.id, data, hops };
        },
        forward: (_key, data, next, hops) => {
          const call = { at: nodes[i]!.id, next: next.id, hops, data };
          hooks.calls.push(call);
          return hooks.decide(nodes[i]!, call);
        },
      }),
    );
  }
  return { nodes, hooks };
}

function rootOf(key: Id, live: readonly DhtNode[]): DhtNode {
  return closest(key, live.map((node) => ({ id: node.node.id, node })))!.node;
}

/** A key name whose route from `from` takes at least `hops` hops (at most 300 names tried). */
async function keyWithHops(from: DhtNode, hops: number): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const name = `key-${i}`;
    if ((await from.route(name, null)).hops >= hops) return name;
  }
  assert.fail(`no key routed from ${from.id} in ${hops} or more hops`);
}

/** Rejects after `ms` so a missing upcall fails the test instead of hanging it. */
function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test('forward is called at the origin and at every hop before the root, and can change the message', async (t) => {
  const { nodes, hooks } = await overlay(t, 16, multiHop);
  const origin = nodes[3]!;
  const name = await keyWithHops(origin, 3);
  const key = keyOf(name);
  hooks.calls = [];
  hooks.decide = (at, call) => {
    const trail = (call.data as { trail: string[] }).trail;
    return { data: { trail: [...trail, at.id] } };
  };
  const routed = await origin.route(name, { trail: [] });
  assert.equal(routed.root.id, rootOf(key, nodes).id, 'the numerically closest node');
  assert.equal(routed.stopped, undefined);
  const calls = hooks.calls;
  assert.equal(calls.length, routed.hops, 'one forward call per hop');
  assert.deepEqual(calls.map((call) => call.hops), [...calls.keys()], 'in path order, with the hops so far');
  assert.equal(calls[0]!.at, origin.id, 'the origin is the first');
  for (let i = 1; i < calls.length; i++) assert.equal(calls[i]!.at, calls[i - 1]!.next, `hop ${i} is where hop ${i - 1} said it would go`);
  assert.equal(calls.at(-1)!.next, routed.root.id, 'the last forward goes to the root');
  assert.ok(!calls.some((call) => call.at === routed.root.id), 'the root delivers, it does not forward');
  const trail = calls.map((call) => call.at);
  assert.deepEqual(calls.map((call) => (call.data as { trail: string[] }).trail), trail.map((_at, i) => trail.slice(0, i)), 'each hop saw the message as the one before changed it');
  assert.deepEqual(routed.result, { at: routed.root.id, data: { trail }, hops: routed.hops }, 'the root got the changed message');
});

test('forward can send the message to another next hop, or stop it with or without an answer', async (t) => {
  const { nodes, hooks } = await overlay(t, 16, multiHop);
  const origin = nodes[5]!;
  const name = await keyWithHops(origin, 3);
  const root = rootOf(keyOf(name), nodes);

  hooks.calls = [];
  await origin.route(name, null);
  const chosen = hooks.calls[0]!.next;
  const detour = nodes.find((node) => node !== origin && node !== root && node.id !== chosen)!;
  hooks.calls = [];
  hooks.decide = (_at, call) => (call.hops === 0 ? { next: detour.address } : undefined);
  const redirected = await origin.route(name, null);
  assert.equal(hooks.calls[1]?.at, detour.id, 'the second hop was the node forward named');
  assert.equal(redirected.root.id, root.id, 'and routing went on from there to the root');

  const delivered = hooks.delivered;
  hooks.calls = [];
  hooks.decide = (_at, call) => (call.hops === 1 ? { next: null, result: { cached: true } } : undefined);
  const stopped = await origin.route(name, null);
  const stopper = hooks.calls[1]!.at;
  assert.deepEqual(stopped, { key: name, id: keyOf(name).hex, root: nodes.find((node) => node.id === stopper)!.address, hops: 1, result: { cached: true }, stopped: true });
  assert.equal(hooks.calls.length, 2, 'no forward after the stop');
  assert.equal(hooks.delivered, delivered, 'nobody delivered it');

  hooks.decide = () => null;
  const atOrigin = await origin.route(name, 'x');
  assert.deepEqual({ root: atOrigin.root.id, hops: atOrigin.hops, result: atOrigin.result, stopped: atOrigin.stopped }, { root: origin.id, hops: 0, result: null, stopped: true });
  assert.equal(hooks.delivered, delivered);
});

test('route with a hint: the hint is the first hop; a dead hint falls back to normal routing', async (t) => {
  const { nodes, hooks } = await overlay(t, 16, multiHop);
  const origin = nodes[7]!;
  const name = await keyWithHops(origin, 3);
  const root = rootOf(keyOf(name), nodes);

  hooks.calls = [];
  await origin.route(name, null);
  const chosen = hooks.calls[0]!.next;
  const hint = nodes.find((node) => node !== origin && node !== root && node.id !== chosen)!;
  hooks.calls = [];
  const hinted = await origin.route(name, null, { hint: hint.address });
  assert.equal(hooks.calls[0]!.next, hint.id, 'the origin forwards to the hint');
  assert.equal(hooks.calls[1]?.at, hint.id, 'the hint is the second node on the path');
  assert.equal(hinted.root.id, root.id);

  const known = new Set([...origin.node.state.known()].map((peer) => peer.info.id));
  const victim = nodes.find((node) => node !== origin && node !== root && known.has(node.id))!;
  const live = nodes.filter((node) => node !== victim);
  victim.destroy();
  hooks.calls = [];
  const fallback = await origin.route(name, null, { hint: victim.address });
  assert.equal(fallback.root.id, rootOf(keyOf(name), live).id, 'delivered at the root all the same');
  assert.equal(hooks.calls[0]!.next, victim.id, 'the dead hint was tried first');
  assert.ok(hooks.calls.slice(1).every((call) => call.at !== victim.id && call.next !== victim.id), 'then left out');

  const never = await DhtNode.listen(nodeOptions);
  const gone = never.address;
  never.destroy();
  hooks.calls = [];
  const unknownHint = await origin.route(name, null, { hint: gone });
  assert.equal(unknownHint.root.id, rootOf(keyOf(name), live).id, 'a hint that never answers is skipped');
  assert.ok(hooks.calls.every((call) => call.next !== gone.id));
  await assert.rejects(origin.route(name, null, { hint: { id: 'nope', host: '127.0.0.1', port: 1 } }), /^RangeError: hint: /);
});

test('update: joined on a join, left on a graceful leave and on a failure, awaited through the upcall', async (t) => {
  const nodes: DhtNode[] = [];
  t.after(() => nodes.forEach((node) => node.destroy()));
  const waiting: { at: number; peer: string; joined: boolean; resolve(): void }[] = [];
  const seen: { at: number; peer: string; joined: boolean }[] = [];
  const options = (i: number): DhtNodeOptions => ({
    ...nodeOptions,
    update: (peer, joined) => {
      seen.push({ at: i, peer: peer.id, joined });
      for (const waiter of waiting.filter((w) => w.at === i && w.peer === peer.id && w.joined === joined)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
  });
  const updateAt = (at: number, peer: string, joined: boolean): Promise<void> =>
    within(`update(${peer}, ${joined}) on node ${at}`, 15_000, new Promise<void>((resolve) => waiting.push({ at, peer, joined, resolve })));

  nodes.push(await startDhtNode(options(0)));
  for (let i = 1; i < 3; i++) nodes.push(await startDhtNode({ ...options(i), bootstrap: nodes[0]!.address }));
  await eventually('three nodes know each other', () => nodes.every((node) => node.node.state.leafSet.size === 2));

  const joiner = await DhtNode.listen(options(3));
  nodes.push(joiner);
  const joinedEverywhere = Promise.all([0, 1, 2].map((at) => updateAt(at, joiner.id, true)));
  await joiner.join([nodes[1]!.address]);
  await joinedEverywhere;
  assert.deepEqual(seen.filter((event) => event.at === 3).map((event) => event.joined), [true, true, true], 'the joiner is told of the leaves it got');
  assert.deepEqual(new Set(seen.filter((event) => event.at === 3).map((event) => event.peer)), new Set(nodes.slice(0, 3).map((node) => node.id)));

  const leftEverywhere = Promise.all([0, 1, 2].map((at) => updateAt(at, joiner.id, false)));
  await joiner.close();
  await leftEverywhere;

  const victim = nodes[2]!;
  const failed = Promise.all([0, 1].map((at) => updateAt(at, victim.id, false)));
  victim.destroy();
  await failed;
  assert.equal(seen.filter((event) => event.peer === victim.id && !event.joined).length, 2, 'once per node that had it as a leaf');
  assert.ok(nodes.slice(0, 2).every((node) => !node.node.state.leafSet.has(victim.node.id)));
});

/** A TCP proxy on `host:port` to `target` that holds every chunk `delayMs` in each direction. */
async function delayProxy(host: string, port: number, target: { host: string; port: number }, delayMs: number): Promise<{ close(): void; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const pipeDelayed = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, delayMs);
    });
    from.on('close', () => setTimeout(() => to.destroy(), delayMs));
    from.on('error', () => from.destroy());
  };
  const server = createServer((client) => {
    connections++;
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
    connections: () => connections,
  };
}

/** A node listening on 127.0.0.1 that every other node reaches through a 40 ms (each way) proxy on 127.0.0.2. */
async function farNode(t: { after(fn: () => void): void }, options: DhtNodeOptions): Promise<{ node: DhtNode; connections: () => number }> {
  const node = await DhtNode.listen({ ...options, host: '127.0.0.1', advertiseHost: '127.0.0.2' });
  t.after(() => node.destroy());
  const proxy = await delayProxy('127.0.0.2', node.address.port, { host: '127.0.0.1', port: node.address.port }, 40);
  t.after(() => proxy.close());
  return { node, connections: proxy.connections };
}

test('join goes through the bootstrap contact with the lowest RTT, not the first listed', async (t) => {
  // Two one-node overlays: the joiner ends up in the one it joined through. The far node does
  // not ping the joiner after the join (a long keep-alive interval), so it cannot pull it over.
  const far = await farNode(t, { ...nodeOptions, keepAliveIntervalMs: 60_000 });
  await far.node.join([]);
  const near = await startDhtNode(nodeOptions);
  t.after(() => near.destroy());
  assert.equal(far.node.address.host, '127.0.0.2');

  const joiner = await startDhtNode({ ...nodeOptions, bootstrap: [far.node.address, near.address] });
  t.after(() => joiner.destroy());
  assert.ok(far.connections() >= 1, 'the far contact was measured');
  assert.deepEqual(joiner.node.state.leafSet.members().map((peer) => peer.info.id), [near.id], 'joined through the near contact');
  assert.ok(![...joiner.node.state.known()].some((peer) => peer.info.id === far.node.id), 'and knows nothing of the far overlay');

  const dead = [await DhtNode.listen(nodeOptions), await DhtNode.listen(nodeOptions)];
  const deadAddresses = dead.map((node) => node.address);
  dead.forEach((node) => node.destroy());
  await assert.rejects(startDhtNode({ ...nodeOptions, bootstrap: deadAddresses }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'DHT_JOIN_FAILED');
    assert.match(error.message, /^could not join through any of 2 bootstrap node\(s\): /);
    for (const address of deadAddresses) assert.ok(error.message.includes(`127.0.0.1:${address.port}: `), `names ${address.port}`);
    return true;
  });
});

test('RTT is measured on open links: keep-alives refresh every known node, and a far node stays far', async (t) => {
  const near = await startDhtNode(nodeOptions);
  t.after(() => near.destroy());
  const far = await farNode(t, nodeOptions);
  await far.node.join([near.address]);
  const { nodes } = await overlay(t, 8, multiHop);

  const peerOf = (owner: DhtNode, id: string) => [...owner.node.state.known()].find((peer) => peer.info.id === id);
  await eventually('the near node knows the far one', () => peerOf(near, far.node.id) !== undefined);
  const farPeer = peerOf(near, far.node.id)!;
  farPeer.rtt = 10_000;
  await eventually('a keep-alive measured the far node again', () => farPeer.rtt < 10_000);
  // 2 x 40 ms of proxy delay; timers may fire a little early against performance.now().
  assert.ok(farPeer.rtt >= 70, `the far node is 2 x 40 ms away, measured ${farPeer.rtt} ms`);

  // In the b = 1, l = 2 overlay most known nodes are routing table entries, not leaves.
  const origin = nodes[0]!;
  const known = [...origin.node.state.known()];
  assert.ok(known.some((peer) => !origin.node.state.leafSet.has(peer.id)), 'some known nodes are not leaves');
  for (const peer of known) peer.rtt = 10_000;
  await eventually('every known node was measured again', () => known.every((peer) => peer.rtt < 10_000));
});

test('the neighborhood set re-sorts on refresh() when proximities changed', () => {
  const distance = new Map<string, number>();
  const set = new NeighborhoodSet<{ id: Id }>(idFromHex('0'.repeat(32)), 3, (peer) => distance.get(peer.id.hex)!);
  const peers = ['1', '2', '3'].map((digit) => ({ id: idFromHex(digit.repeat(32)) }));
  peers.forEach((peer, i) => distance.set(peer.id.hex, 10 * (i + 1)));
  for (const peer of peers) set.consider(peer);
  distance.set(peers[0]!.id.hex, 100);
  distance.set(peers[2]!.id.hex, 5);
  set.refresh();
  assert.deepEqual(set.members().map((peer) => peer.id.hex[0]), ['3', '2', '1']);
  const nearer = { id: idFromHex('4'.repeat(32)) };
  distance.set(nearer.id.hex, 50);
  assert.ok(set.consider(nearer), 'a node nearer than the (now) farthest gets in');
  assert.deepEqual(set.members().map((peer) => peer.id.hex[0]), ['3', '2', '4']);
});
