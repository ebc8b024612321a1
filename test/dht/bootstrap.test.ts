import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, RemoteError, type Session } from '../../src/client/index.js';
import { Router } from '../../src/router/index.js';
import { installDhtBootstrap } from '../../src/dht/bootstrap/install.js';
import { observedHost } from '../../src/dht/bootstrap/observed-host.js';
import { DhtRevokedTopic, type ContactsReply } from '../../src/dht/bootstrap/schemas.js';
import { announceProof } from '../../src/dht/bootstrap/announce-proof.js';
import { OverlayCredentials } from '../../src/dht/net/secure/credentials.js';

const nodeId = (digit: string): string => digit.repeat(32);

async function bootstrapRouter(t: { after(fn: () => Promise<void>): void }): Promise<{ ws: string; unix: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'thoth-dht-bootstrap-'));
  const router = new Router({ shutdownTimeoutMs: 1000 });
  installDhtBootstrap(router);
  const urls = await router.listen({ websocket: { host: '127.0.0.1', port: 0, path: '/ws' }, unix: { path: join(dir, 'router.sock') } });
  t.after(async () => {
    await router.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { ws: urls.find((u) => u.startsWith('ws://'))!, unix: urls.find((u) => u.startsWith('unix://'))! };
}

function sessions(t: { after(fn: () => Promise<void>): void }): (url: string) => Promise<Session> {
  const open: Session[] = [];
  t.after(async () => {
    await Promise.all(open.map((s) => s.close().catch(() => undefined)));
  });
  return async (url) => {
    const session = await connect({ url, realm: 'thoth', reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500 });
    open.push(session);
    return session;
  };
}

async function announce(session: Session, kwargs: Record<string, unknown>): Promise<ContactsReply> {
  return (await session.call('thoth.dht.announce', [], kwargs)).value as ContactsReply;
}

async function contacts(session: Session, kwargs: Record<string, unknown> = {}): Promise<ContactsReply> {
  return (await session.call('thoth.dht.contacts', [], kwargs)).value as ContactsReply;
}

async function invalid(call: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.uri, 'wamp.error.invalid_argument');
    assert.match(String(error.args[0]), pattern);
    return true;
  });
}

test('announce records (the address the router sees, the port) and answers the earlier contacts; a leaving session is forgotten', async (t) => {
  const { ws } = await bootstrapRouter(t);
  const open = sessions(t);
  const [a, b, c] = [await open(ws), await open(ws), await open(ws)];

  assert.deepEqual(await announce(a, { id: nodeId('a'), port: 4001, host: '10.9.9.9' }), { contacts: [], observed_host: '127.0.0.1' }, 'the first node is told of nobody');
  assert.deepEqual(await announce(b, { id: nodeId('b'), port: 4002 }), { contacts: [{ id: nodeId('a'), host: '127.0.0.1', port: 4001 }], observed_host: '127.0.0.1' }, 'the host the router sees wins over the one announced');
  assert.deepEqual((await contacts(c)).contacts.map((x) => x.id), [nodeId('a'), nodeId('b')], 'oldest first');
  assert.deepEqual((await contacts(c, { limit: 1 })).contacts.map((x) => x.id), [nodeId('a')]);
  assert.deepEqual((await contacts(a)).contacts.map((x) => x.id), [nodeId('b')], 'a caller is not told of itself');

  await announce(a, { id: nodeId('a'), port: 4011 });
  assert.deepEqual((await contacts(c)).contacts, [{ id: nodeId('b'), host: '127.0.0.1', port: 4002 }, { id: nodeId('a'), host: '127.0.0.1', port: 4011 }], 'announcing again replaces, and counts as new');

  const a2 = await open(ws);
  await announce(a2, { id: nodeId('a'), port: 4021 });
  assert.deepEqual((await contacts(c)).contacts.map((x) => x.port), [4002, 4021], 'the same node id from a new session replaces the old session\'s contact');

  let leftSeen = (): void => undefined;
  const left = new Promise<void>((resolve) => (leftSeen = resolve));
  await c.subscribe('wamp.session.on_leave', (args) => {
    if (args[0] === b.id) leftSeen();
  });
  await b.close();
  await left; // the router published the leave after the contact book forgot b
  assert.deepEqual((await contacts(c)).contacts.map((x) => x.id), [nodeId('a')], 'forgotten once its session left');
});

test('bad input is wamp.error.invalid_argument naming the field', async (t) => {
  const { ws, unix } = await bootstrapRouter(t);
  const open = sessions(t);
  const session = await open(ws);
  await invalid(session.call('thoth.dht.announce', [], { id: 'xyz', port: 4000 }), /^thoth\.dht\.announce: id: a node id is 32 lowercase hex digits$/);
  await invalid(session.call('thoth.dht.announce', [], { id: nodeId('c'), port: 0 }), /^thoth\.dht\.announce: port: /);
  await invalid(session.call('thoth.dht.announce', [], { id: nodeId('c') }), /^thoth\.dht\.announce: port: /);
  await invalid(session.call('thoth.dht.announce', [], { id: nodeId('c'), port: 1, colour: 'red' }), /"colour"/);
  await invalid(session.call('thoth.dht.contacts', [], { limit: 0 }), /^thoth\.dht\.contacts: limit: /);
  assert.deepEqual((await contacts(session)).contacts, [], 'nothing was recorded by the bad calls');

  const local = await open(unix);
  await invalid(local.call('thoth.dht.announce', [], { id: nodeId('d'), port: 4000 }), /host: required when the session is not over TCP/);
  assert.deepEqual(await announce(local, { id: nodeId('d'), port: 4000, host: '127.0.0.1' }), { contacts: [], observed_host: null }, 'over a Unix socket the announced host is used');
  assert.deepEqual((await contacts(session)).contacts, [{ id: nodeId('d'), host: '127.0.0.1', port: 4000 }]);
});

test('the observed host comes out of every transport peer form', () => {
  assert.equal(observedHost('127.0.0.1:5000'), '127.0.0.1');
  assert.equal(observedHost('[::1]:5000'), '::1');
  assert.equal(observedHost('[::ffff:192.168.1.7]:5000'), '192.168.1.7');
  assert.equal(observedHost('[fe80::1]:5000'), 'fe80::1');
  assert.equal(observedHost('10.0.0.2'), '10.0.0.2');
  for (const peer of ['unix', 'memory', 'unknown', '']) assert.equal(observedHost(peer), null, peer);
});

/** A router with the bootstrap installed, its WebSocket URL, and a session opener. */
async function certifyingRouter(t: { after(fn: () => Promise<void>): void }) {
  const router = new Router({ shutdownTimeoutMs: 1000 });
  const bootstrap = installDhtBootstrap(router);
  const [ws] = await router.listen({ websocket: { host: '127.0.0.1', port: 0, path: '/ws' } });
  t.after(() => router.close());
  return { bootstrap, ws: ws!, open: sessions(t) };
}

test('an announce with the node key and a proof of it is answered a membership certificate; a bad one names what is wrong', async (t) => {
  const { bootstrap, ws, open } = await certifyingRouter(t);
  const [a, b] = [await open(ws), await open(ws)];
  const node = OverlayCredentials.generate();
  const key = node.publicKey.toString('base64url');

  const reply = await announce(a, { id: node.nodeId, port: 4001, key, proof: announceProof(node.privateKey, node.nodeId, a.id) });
  assert.ok(reply.membership !== undefined);
  assert.equal(reply.membership.authority, bootstrap.authority.publicKey.toString('base64url'));
  const membership = node.install(reply.membership.certificate, Buffer.from(reply.membership.authority, 'base64url'));
  assert.equal(membership.node, node.nodeId);
  assert.equal(membership.expires, reply.membership.expires);
  assert.ok(membership.expires - Date.now() > 50 * 60_000, 'valid for about an hour');

  await invalid(announce(b, { id: node.nodeId, port: 4002, key, proof: announceProof(node.privateKey, node.nodeId, a.id) }), /proof: not a signature by key over this node id and session/);
  await invalid(announce(b, { id: nodeId('b'), port: 4002, key, proof: announceProof(node.privateKey, nodeId('b'), b.id) }), /is not the id key gives/);
  await invalid(announce(b, { id: node.nodeId, port: 4002, key }), /proof: key and proof go together/);
  await invalid(announce(b, { id: node.nodeId, port: 4002, key: 'short', proof: 'x' }), /key: a node key is 32 bytes in base64url/);
  assert.equal(bootstrap.contacts.size, 1, 'refused announces record nothing');
});

test('revoking a holder publishes its live nodes on thoth.dht.on_revoked', async (t) => {
  const { bootstrap, ws, open } = await certifyingRouter(t);
  const [device, watcher] = [await open(ws), await open(ws)];
  const node = OverlayCredentials.generate();
  const reply = await announce(device, { id: node.nodeId, port: 4001, key: node.publicKey.toString('base64url'), proof: announceProof(node.privateKey, node.nodeId, device.id) });
  const holder = node.install(reply.membership!.certificate, Buffer.from(reply.membership!.authority, 'base64url')).holder;

  let received: (kwargs: unknown) => void = () => undefined;
  const event = new Promise<unknown>((resolve) => (received = resolve));
  await watcher.subscribe(DhtRevokedTopic, (_args, kwargs) => received(kwargs));
  bootstrap.revokeHolder('somebody-else');
  bootstrap.revokeHolder(holder);
  assert.deepEqual(await event, { nodes: [node.nodeId], until: reply.membership!.expires }, 'only the holder\'s nodes, until their certificates expire');
});
