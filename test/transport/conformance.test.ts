/**
 * One suite, every transport x serializer: the same Connection behaviour over
 * in-memory pairs, RawSocket over TCP, TLS and Unix sockets, and WebSocket
 * (plain and TLS).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SerializerName } from '../../src/codec/index.js';
import type { Message } from '../../src/protocol/messages.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import type { Connection, ConnectionLimits } from '../../src/transport/connection.js';
import {
  connectTransport,
  createMemoryPair,
  listenRawSocket,
  listenWebSocket,
  type Listener,
  type TlsClientOptions,
  type TlsServerOptions,
} from '../../src/transport/index.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';
import { attach, nextConnection, tempDir, turn } from './helpers.js';

/** Made on first use by a TLS variant, removed when the file is done. */
let certs: Promise<TestCerts> | undefined;
after(async () => (await certs)?.remove());

async function tlsPair(): Promise<{ server: TlsServerOptions; client: TlsClientOptions }> {
  certs ??= makeTestCerts();
  const { selfSigned } = await certs;
  return { server: { cert: selfSigned.cert, key: selfSigned.key }, client: { fingerprint: selfSigned.fingerprint } };
}

interface Pair {
  client: Connection;
  server: Connection;
  done(): Promise<void>;
}

interface Variant {
  name: string;
  open(serializer: SerializerName, limits?: Partial<ConnectionLimits>): Promise<Pair>;
}

async function socketPair(
  listen: (onConnection: (c: Connection) => void) => Promise<Listener>,
  serializer: SerializerName,
  limits: Partial<ConnectionLimits> | undefined,
  cleanup?: () => Promise<void>,
  tls?: TlsClientOptions,
): Promise<Pair> {
  const accepted = nextConnection();
  const listener = await listen(accepted.onConnection);
  const client = await connectTransport(listener.url, { serializer, ...(limits && { limits }), ...(tls && { tls }) });
  const server = await accepted.next();
  return {
    client,
    server,
    async done() {
      client.destroy();
      server.destroy();
      await listener.close();
      await cleanup?.();
    },
  };
}

const variants: Variant[] = [
  {
    name: 'memory',
    async open(serializer, limits) {
      const [client, server] = createMemoryPair(serializer, limits);
      return { client, server, done: async () => {} };
    },
  },
  {
    name: 'rawsocket tcp',
    open: (serializer, limits) => socketPair((on) => listenRawSocket({ ...(limits && { limits }) }, on), serializer, limits),
  },
  {
    name: 'rawsocket unix',
    async open(serializer, limits) {
      const dir = await tempDir();
      const path = join(dir.path, 'router.sock');
      return socketPair((on) => listenRawSocket({ path, ...(limits && { limits }) }, on), serializer, limits, dir.remove);
    },
  },
  {
    name: 'websocket',
    open: (serializer, limits) => socketPair((on) => listenWebSocket({ ...(limits && { limits }) }, on), serializer, limits),
  },
  {
    name: 'rawsocket tls',
    async open(serializer, limits) {
      const tls = await tlsPair();
      return socketPair((on) => listenRawSocket({ tls: tls.server, ...(limits && { limits }) }, on), serializer, limits, undefined, tls.client);
    },
  },
  {
    name: 'websocket tls',
    async open(serializer, limits) {
      const tls = await tlsPair();
      return socketPair((on) => listenWebSocket({ tls: tls.server, ...(limits && { limits }) }, on), serializer, limits, undefined, tls.client);
    },
  },
];

const binary = Buffer.from([0, 1, 2, 253, 254, 255]);
const fromClient: Message[] = [
  { type: 'HELLO', realm: 'thoth.test', details: { roles: { caller: {}, callee: {} } } },
  { type: 'CALL', requestId: 1, options: {}, procedure: 'com.example.add', args: [1, 2.5, 'three', null, true], kwargs: { nested: { list: [1, [2]] } } },
  { type: 'CALL', requestId: 2, options: { timeout: 100 }, procedure: 'com.example.echo', args: [binary] },
  { type: 'PUBLISH', requestId: 2 ** 53, options: {}, topic: 'com.example.topic', args: ['\u00e9\u{1f600}'] },
  { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' },
];
const fromServer: Message[] = [
  { type: 'WELCOME', sessionId: 2 ** 40, details: { roles: { dealer: {} } } },
  { type: 'RESULT', requestId: 1, details: {}, args: [6.5] },
  { type: 'ERROR', requestType: 48, requestId: 2, details: {}, error: 'wamp.error.runtime_error', args: ['boom'] },
];

for (const variant of variants) {
  for (const serializer of ['json', 'msgpack'] as const) {
    describe(`conformance: ${variant.name} / ${serializer}`, { timeout: 10_000 }, () => {
      it('carries messages both ways, equal and in order', async () => {
        const { client, server, done } = await variant.open(serializer);
        try {
          assert.equal(client.serializer, serializer);
          assert.equal(server.serializer, serializer);
          const c = attach(client);
          const s = attach(server);
          for (const m of fromClient) assert.equal(client.send(m), true);
          for (const m of fromServer) assert.equal(server.send(m), true);
          assert.deepEqual(await s.messageCount(fromClient.length), fromClient);
          assert.deepEqual(await c.messageCount(fromServer.length), fromServer);
          assert.deepEqual([...c.violations, ...s.violations], []);
        } finally {
          await done();
        }
      });

      it('delivers a burst sent in one turn completely and in order', async () => {
        const { client, server, done } = await variant.open(serializer);
        try {
          const s = attach(server);
          attach(client);
          const n = 500;
          for (let i = 1; i <= n; i++) client.send({ type: 'PUBLISH', requestId: i, options: {}, topic: 'com.example.burst', args: [i] });
          const got = await s.messageCount(n);
          assert.deepEqual(got.map((m) => (m.type === 'PUBLISH' ? m.requestId : -1)), Array.from({ length: n }, (_, i) => i + 1));
        } finally {
          await done();
        }
      });

      it('reports loopback peers as local', async () => {
        const { client, server, done } = await variant.open(serializer);
        try {
          assert.equal(client.isLocal, true);
          assert.equal(server.isLocal, true);
          assert.equal(client.transport, server.transport);
          assert.ok(server.remoteAddress.length > 0);
        } finally {
          await done();
        }
      });

      it('close() three times: flushes, closes both ends once, then send() returns false', async () => {
        const { client, server, done } = await variant.open(serializer);
        try {
          const c = attach(client);
          const s = attach(server);
          client.send(fromClient[0]!);
          client.close('test over');
          client.close();
          client.close('again');
          assert.equal(client.closed, true);
          assert.equal(client.send(fromClient[1]!), false);
          const clientInfo = await c.closedInfo();
          const serverInfo = await s.closedInfo();
          assert.equal(clientInfo.code, 'closed');
          assert.equal(clientInfo.reason, 'test over');
          assert.equal(serverInfo.code, 'closed');
          // What was queued before close() arrived first.
          assert.deepEqual(s.messages, [fromClient[0]]);
          client.close();
          client.destroy();
          server.close();
          server.destroy();
          assert.equal(server.send(fromServer[0]!), false);
          await turn();
          await turn();
          assert.equal(c.closes.length, 1);
          assert.equal(s.closes.length, 1);
          assert.deepEqual([...c.afterClose, ...s.afterClose], []);
        } finally {
          await done();
        }
      });

      it('destroy() three times: both ends closed once, nothing after', async () => {
        const { client, server, done } = await variant.open(serializer);
        try {
          const c = attach(client);
          const s = attach(server);
          const error = new Error('gave up');
          client.destroy(error);
          client.destroy();
          client.destroy(new Error('ignored'));
          assert.equal(client.send(fromClient[0]!), false);
          const info = await c.closedInfo();
          assert.equal(info.code, 'closed');
          assert.equal(info.reason, 'gave up');
          assert.equal(info.error, error);
          const serverInfo = await s.closedInfo();
          assert.ok(serverInfo.code === 'closed' || serverInfo.code === 'reset', serverInfo.code);
          await turn();
          await turn();
          assert.equal(c.closes.length, 1);
          assert.equal(s.closes.length, 1);
        } finally {
          await done();
        }
      });

      it('does not send a message larger than the peer accepts, and stays open', async () => {
        const limits = { maxMessageBytes: 1024 };
        const { client, server, done } = await variant.open(serializer, limits);
        try {
          const s = attach(server);
          attach(client);
          const big: Message = { type: 'CALL', requestId: 1, options: {}, procedure: 'com.example.big', args: ['x'.repeat(2000)] };
          assert.equal(client.send(big), false);
          assert.equal(client.closed, false);
          assert.equal(client.send(fromClient[0]!), true);
          assert.deepEqual(await s.messageCount(1), [fromClient[0]]);
        } finally {
          await done();
        }
      });

      it('a peer that stops reading ends with queue_full, the queue stays under the cap, and the peer learns why once it reads', async () => {
        const cap = 256 * 1024;
        const { client, server, done } = await variant.open(serializer, { maxQueuedBytes: cap });
        try {
          // The server side is never attached: it reads one message, then stops reading.
          const c = attach(client);
          const chunk = 'y'.repeat(16 * 1024);
          let maxQueued = 0;
          let sent = 0;
          for (let turnNo = 0; turnNo < 4000 && !client.closed; turnNo++) {
            for (let i = 0; i < 4 && !client.closed; i++) {
              if (client.send({ type: 'PUBLISH', requestId: ++sent, options: {}, topic: 'com.example.flood', args: [chunk] })) {
                maxQueued = Math.max(maxQueued, client.queuedBytes);
              }
            }
            await turn();
          }
          const info = await c.closedInfo();
          assert.equal(info.code, 'queue_full');
          assert.match(info.reason, /maxQueuedBytes/);
          assert.ok(maxQueued <= cap, `queued ${maxQueued} > cap ${cap}`);
          assert.equal(client.send(fromClient[0]!), false);
          if (variant.name !== 'memory') {
            // The server reads again: past what was queued comes one ABORT naming the cap, then the end
            // (WebSocket: a close frame 1008 naming it too). A memory pair is simply destroyed.
            const s = attach(server);
            const serverInfo = await s.closedInfo();
            const last = s.messages.at(-1);
            assert.ok(last?.type === 'ABORT', `the last message was ${last?.type}, after ${s.messages.length - 1} others`);
            assert.equal(last.reason, ErrorUri.outboundQueueFull);
            assert.match(String(last.details['message']), /over the cap of 262144 bytes \(limits\.maxQueuedBytes\)/);
            assert.ok(s.messages.slice(0, -1).every((m) => m.type === 'PUBLISH'), 'only whole PUBLISHes before the ABORT');
            assert.equal(serverInfo.code, 'closed');
            if (variant.name.startsWith('websocket')) assert.match(serverInfo.reason, /\(1008: outbound queue over 262144 bytes \(limits\.maxQueuedBytes\)/);
          }
        } finally {
          await done();
        }
      });

      it('reports the peer closing', async () => {
        const { client, server, done } = await variant.open(serializer);
        try {
          const c = attach(client);
          const s = attach(server);
          server.send(fromServer[0]!);
          server.close('bye');
          const info = await c.closedInfo();
          assert.equal(info.code, 'closed');
          assert.deepEqual(c.messages, [fromServer[0]]);
          assert.equal((await s.closedInfo()).reason, 'bye');
          assert.equal(client.closed, true);
          assert.equal(client.send(fromClient[0]!), false);
        } finally {
          await done();
        }
      });
    });
  }
}
