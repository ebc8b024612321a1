import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { rawPublicKey } from '../../src/common/ed25519.js';
import { closest } from '../../src/dht/ids.js';
import { keyOf } from '../../src/dht/storage/keys.js';
import { startDhtNode, DhtNode } from '../../src/dht/api/dht-node.js';
import { issueCertificate, nodeIdOf, readCertificate, CLOCK_SKEW_MS } from '../../src/dht/net/secure/certificate.js';
import { OverlayCredentials } from '../../src/dht/net/secure/credentials.js';
import { PeerChannel } from '../../src/dht/net/secure/channel.js';
import { JoinError, PeerUnreachableError } from '../../src/dht/net/errors.js';

const nodeOptions = { keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000, requestTimeoutMs: 3000 };
const HOUR = 3_600_000;

interface Authority {
  readonly key: KeyObject;
  readonly raw: Buffer;
  /** Fresh credentials with a certificate from this authority. */
  member(options?: { issued?: number; expires?: number; holder?: string }): OverlayCredentials;
  certify(credentials: OverlayCredentials, options?: { issued?: number; expires?: number }): string;
}

function authority(): Authority {
  const { privateKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(privateKey);
  const certify = (credentials: OverlayCredentials, options: { issued?: number; expires?: number; holder?: string } = {}) =>
    issueCertificate(privateKey, {
      node: credentials.nodeId,
      key: credentials.publicKey,
      holder: options.holder ?? 'laptop',
      issued: options.issued ?? Date.now(),
      expires: options.expires ?? Date.now() + HOUR,
    });
  return {
    key: privateKey,
    raw,
    certify,
    member(options = {}) {
      const credentials = OverlayCredentials.generate();
      credentials.install(certify(credentials, options), raw, options.issued ?? Date.now());
      return credentials;
    },
  };
}

async function secureOverlay(t: { after(fn: () => void): void }, ca: Authority, count: number): Promise<DhtNode[]> {
  const nodes: DhtNode[] = [];
  t.after(() => nodes.forEach((node) => node.destroy()));
  for (let i = 0; i < count; i++) {
    const bootstrap = nodes[0]?.address;
    nodes.push(await startDhtNode({ ...nodeOptions, security: ca.member(), ...(bootstrap === undefined ? {} : { bootstrap }) }));
  }
  return nodes;
}

/** A TCP relay between a client and `target` that lets `tamper` change what flows towards the target. */
async function relay(target: { host: string; port: number }, tamper: (chunk: Buffer, index: number) => Buffer): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    sockets.add(inbound);
    const outbound = connect(target.port, target.host);
    sockets.add(outbound);
    let index = 0;
    inbound.on('data', (chunk: Buffer) => outbound.write(tamper(chunk, index++)));
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  return { server, port: (server.address() as { port: number }).port };
}

test('a membership certificate is read back only with its authority, intact and within its time', () => {
  const ca = authority();
  const other = authority();
  const node = OverlayCredentials.generate();
  const now = Date.now();
  const text = ca.certify(node, { issued: now, expires: now + HOUR });

  const membership = readCertificate(text, ca.key, now);
  assert.equal(membership.node, node.nodeId);
  assert.equal(membership.node, nodeIdOf(node.publicKey), 'the node id is the one the key gives');
  assert.deepEqual(membership.key, node.publicKey);
  assert.equal(membership.holder, 'laptop');
  assert.equal(membership.expires, now + HOUR);

  assert.throws(() => readCertificate(text, other.key, now), /not signed by this overlay's authority/);
  const [body, signature] = text.split('.') as [string, string];
  const flipped = Buffer.from(body, 'base64url');
  flipped[flipped.length - 1]! ^= 1;
  assert.throws(() => readCertificate(`${flipped.toString('base64url')}.${signature}`, ca.key, now), /not signed by this overlay's authority/);
  assert.throws(() => readCertificate('garbage', ca.key, now), /not body\.signature/);
  assert.throws(() => readCertificate(text, ca.key, now + HOUR + CLOCK_SKEW_MS + 1), /expired/);
  assert.doesNotThrow(() => readCertificate(text, ca.key, now + HOUR + CLOCK_SKEW_MS - 1), 'clocks may disagree by the allowed skew');
  assert.throws(() => readCertificate(ca.certify(node, { issued: now + 2 * CLOCK_SKEW_MS }), ca.key, now), /issued in the future/);
  assert.throws(
    () => issueCertificate(ca.key, { node: '0'.repeat(32), key: node.publicKey, holder: 'x', issued: now, expires: now + 1 }),
    /is not the one its key gives/,
  );
});

test('credentials take only a certificate for their own key, from the authority given', () => {
  const ca = authority();
  const mine = OverlayCredentials.generate();
  const someoneElse = OverlayCredentials.generate();
  assert.throws(() => mine.install(ca.certify(someoneElse), ca.raw), /for another node key/);
  assert.throws(() => mine.install(ca.certify(mine), authority().raw), /not signed by this overlay's authority/);
  assert.equal(mine.certificate, undefined, 'nothing installed after a refusal');
  assert.throws(() => mine.verifyPeer(ca.certify(someoneElse)), /has no membership certificate yet/);
  mine.install(ca.certify(mine), ca.raw);
  assert.equal(mine.verifyPeer(ca.certify(someoneElse)).node, someoneElse.nodeId);
  mine.revoke([someoneElse.nodeId], Date.now() + HOUR);
  assert.throws(() => mine.verifyPeer(ca.certify(someoneElse)), /was revoked/);
});

test('an authenticated overlay routes, stores and reads like an open one', async (t) => {
  const ca = authority();
  const nodes = await secureOverlay(t, ca, 6);
  for (const node of nodes) assert.equal(node.id, node.credentials!.nodeId, 'each node id comes from its key');
  for (let i = 0; i < 30; i++) {
    const name = `song-${i}`;
    const owner = nodes[i % nodes.length]!;
    await owner.put(name, { i });
    const reader = nodes[(i + 3) % nodes.length]!;
    assert.deepEqual((await reader.get(name))?.value, { i });
    const key = keyOf(name);
    const root = closest(key, nodes.map((node) => ({ id: node.node.id })))!;
    assert.equal((await reader.route(name)).root.id, root.id.hex, `${name} reaches its numerically closest node`);
  }
  const status = nodes[0]!.status();
  assert.equal(status.security.mode, 'authenticated');
  assert.equal(status.security.authority, ca.raw.toString('base64url'));
  assert.ok(status.security.expires !== null && Date.parse(status.security.expires) > Date.now());
});

test('nodes without a certificate of this overlay are kept out, each told why', async (t) => {
  const ca = authority();
  const [first] = await secureOverlay(t, ca, 2);
  const bootstrap = first!.address;
  const refused = async (security: OverlayCredentials | undefined, pattern: RegExp) => {
    const error = await startDhtNode({ ...nodeOptions, bootstrap, ...(security === undefined ? {} : { security }) }).then(
      (node) => {
        node.destroy();
        return undefined;
      },
      (error: unknown) => error,
    );
    assert.ok(error instanceof JoinError, `refused with a JoinError, got ${String(error)}`);
    assert.match(error.message, pattern);
  };
  await refused(authority().member(), /not signed by this overlay's authority/);
  await refused(undefined, /accepts only authenticated peers/);
  await refused(OverlayCredentials.generate(), /has no membership certificate yet/);
  await refused(ca.member({ issued: Date.now() - 3 * HOUR, expires: Date.now() - 2 * HOUR }), /expired/);

  const open = await startDhtNode(nodeOptions);
  t.after(() => open.destroy());
  const error = await startDhtNode({ ...nodeOptions, bootstrap: open.address, security: ca.member() }).catch((e: unknown) => e);
  assert.ok(error instanceof JoinError);
  assert.match(error.message, /runs an open overlay/);

  assert.equal(first!.status().phase, 'running', 'the overlay is unaffected');
  assert.equal((await first!.put('still', 1)).value, 1);
});

test('a node listening beyond loopback must authenticate its peers', async () => {
  await assert.rejects(DhtNode.listen({ host: '0.0.0.0', advertiseHost: '192.0.2.1' }), /must authenticate its peers/);
});

test('a revoked node is cut off at once and cannot come back', async (t) => {
  const ca = authority();
  const nodes = await secureOverlay(t, ca, 4);
  const [a, b, c, victim] = nodes as [DhtNode, DhtNode, DhtNode, DhtNode];
  const knowsVictim = (node: DhtNode) => node.node.state.leafSet.members().some((peer) => peer.info.id === victim.id);
  assert.ok([a, b, c].every(knowsVictim));
  for (const node of [a, b, c]) node.credentials!.revoke([victim.id], Date.now() + HOUR);
  assert.ok(![a, b, c].some(knowsVictim), 'dropped from every leaf set at once');
  await assert.rejects(victim.node.send(a.address, { type: 'fetch', key: '0'.repeat(32) }), (error: unknown) => {
    assert.ok(error instanceof PeerUnreachableError);
    assert.match(error.message, /was revoked/);
    return true;
  });
  const again = await startDhtNode({ ...nodeOptions, bootstrap: a.address, security: victim.credentials! }).catch((e: unknown) => e);
  assert.ok(again instanceof JoinError && /was revoked/.test(again.message));
  assert.equal((await b.put('after', 'revocation')).value, 'revocation', 'the others carry on');
});

/** Two channels over a real loopback connection. */
async function channelPair(t: { after(fn: () => void): void }, client: OverlayCredentials, server: OverlayCredentials) {
  const received: unknown[] = [];
  let notify: (() => void) | undefined;
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const clientChannel = new PeerChannel(connect((listener.address() as { port: number }).port, '127.0.0.1'), { role: 'client', security: client }, {
    frame: () => undefined,
    close: () => undefined,
  });
  const [socket] = await accepted;
  const serverChannel = new PeerChannel(socket, { role: 'server', security: server }, {
    frame: (value) => {
      received.push(value);
      notify?.();
    },
    close: () => undefined,
  });
  t.after(() => {
    clientChannel.destroy('test over');
    serverChannel.destroy('test over');
    listener.close();
  });
  /** Send `value` from the client and wait until the server has it. */
  const deliver = async (value: unknown) => {
    const arrived = new Promise<void>((resolve) => (notify = resolve));
    clientChannel.send(value);
    await arrived;
    assert.deepEqual(received.at(-1), value);
  };
  return { clientChannel, serverChannel, deliver };
}

test('a renewed certificate reaches the peer on the open connection', async (t) => {
  const ca = authority();
  const client = ca.member();
  const { serverChannel, deliver } = await channelPair(t, client, ca.member());
  await deliver({ n: 1 });
  const first = serverChannel.peer!.expires;
  const later = first + HOUR;
  client.install(ca.certify(client, { expires: later }), ca.raw);
  await deliver({ n: 2 });
  assert.equal(serverChannel.peer!.expires, later, 'the server saw the renewal before the next frame');
  assert.equal(serverChannel.peer!.node, client.nodeId);
});

test('a frame changed on the way ends the connection; the node keeps serving others', async (t) => {
  const ca = authority();
  const [a, b] = await secureOverlay(t, ca, 2) as [DhtNode, DhtNode];
  // Flip one byte of the fifth chunk the client sends (after hello and auth: a sealed request).
  const proxy = await relay(a.address, (chunk, index) => {
    if (index < 2 || chunk.length < 8) return chunk;
    const copy = Buffer.from(chunk);
    copy[copy.length - 1]! ^= 0xff;
    return copy;
  });
  t.after(() => proxy.server.close());
  const mallory = ca.member();
  const channelClosed = new Promise<string>((resolve) => {
    const channel = new PeerChannel(connect(proxy.port, '127.0.0.1'), { role: 'client', security: mallory }, {
      frame: () => assert.fail('no answer to a changed frame'),
      close: resolve,
    });
    channel.send({ t: 'req', rid: 1, from: { id: mallory.nodeId, host: '127.0.0.1', port: 1 }, body: { type: 'ping' } });
  });
  assert.match(await channelClosed, /connection closed|refused/);
  assert.equal((await b.get('nothing')), undefined, 'the overlay still answers');
  assert.equal((await b.put('k', 'v')).value, 'v');
});

test('a member cannot speak for another node on its connection', async (t) => {
  const ca = authority();
  const [a, b] = await secureOverlay(t, ca, 2) as [DhtNode, DhtNode];
  const mallory = ca.member();
  const reason = await new Promise<string>((resolve) => {
    const channel = new PeerChannel(connect(a.address.port, '127.0.0.1'), { role: 'client', security: mallory }, {
      frame: () => assert.fail('a request under a false id gets no answer'),
      close: resolve,
    });
    channel.send({ t: 'req', rid: 1, from: b.address, body: { type: 'leave' } });
  });
  assert.match(reason, new RegExp(`refused by the peer: a request from ${b.id} on the connection of node ${mallory.nodeId}`));
  assert.ok(a.node.state.leafSet.members().some((peer) => peer.info.id === b.id), 'the forged leave changed nothing');
});

test('garbage and silence before the handshake end only that connection', async (t) => {
  const ca = authority();
  const [a, b] = await secureOverlay(t, ca, 2) as [DhtNode, DhtNode];
  const garbage = connect(a.address.port, '127.0.0.1').resume();
  garbage.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
  await once(garbage, 'close');
  const oversized = connect(a.address.port, '127.0.0.1').resume();
  oversized.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  await once(oversized, 'close');
  // A client that connects and never speaks is dropped by the handshake timeout (5 s).
  const silent = connect(a.address.port, '127.0.0.1').resume();
  const [, silentClose] = await Promise.all([once(silent, 'connect'), once(silent, 'close')]);
  assert.deepEqual(silentClose, [false], 'closed by the node, not by an error here');
  assert.equal((await b.put('fine', true)).value, true);
  assert.deepEqual((await a.get('fine'))?.value, true);
});

test('a renewal for another node, or from another authority, ends the connection with the reason', async (t) => {
  const ca = authority();
  for (const [renewal, pattern] of [
    [ca.certify(OverlayCredentials.generate()), /a renewed certificate must be for the same node and key/],
    [authority().certify(OverlayCredentials.generate()), /renewal refused: .*not signed by this overlay's authority/],
  ] as const) {
    const client = ca.member();
    const listener = createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => listener.close());
    const accepted = once(listener, 'connection') as Promise<[Socket]>;
    let clientClosed: (reason: string) => void = () => undefined;
    const closed = new Promise<string>((resolve) => (clientClosed = resolve));
    const channel = new PeerChannel(connect((listener.address() as { port: number }).port, '127.0.0.1'), { role: 'client', security: client }, { frame: () => undefined, close: clientClosed });
    const [socket] = await accepted;
    const served: unknown[] = [];
    new PeerChannel(socket, { role: 'server', security: ca.member() }, { frame: (value) => served.push(value), close: () => undefined });
    channel.send({ t: 'renew', cert: renewal });
    channel.send({ after: 'the renewal' });
    assert.match(await closed, pattern);
    assert.deepEqual(served, [], 'nothing after the refused renewal was served');
  }
});

test('a node whose pong names another id than its certificate is not joined through', async (t) => {
  const ca = authority();
  const impostor = ca.member();
  const claimed = OverlayCredentials.generate().nodeId;
  const fake = createServer((socket) => {
    const channel: PeerChannel = new PeerChannel(socket, { role: 'server', security: impostor }, {
      frame: (value) => {
        const { rid } = value as { rid: number };
        channel.send({ t: 'res', rid, body: { self: { id: claimed, host: '127.0.0.1', port: 1 } } });
      },
      close: () => undefined,
    });
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  t.after(() => fake.close());
  const error = await startDhtNode({ ...nodeOptions, security: ca.member(), bootstrap: { host: '127.0.0.1', port: (fake.address() as { port: number }).port } }).catch((e: unknown) => e);
  assert.ok(error instanceof JoinError, String(error));
  assert.match(error.message, new RegExp(`claims id ${claimed}, its certificate gives ${impostor.nodeId}`));
});
