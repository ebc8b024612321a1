import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serializers } from '../../src/codec/index.js';
import { encodeMessage } from '../../src/protocol/parse.js';
import type { Message } from '../../src/protocol/messages.js';
import {
  connectTransport,
  listenRawSocket,
  TransportError,
  type Connection,
  type Listener,
} from '../../src/transport/index.js';
import { encodeFrame, FrameType } from '../../src/transport/rawsocket-framer.js';
import { attach, nextConnection, RawReader, tempDir } from './helpers.js';

const hello: Message = { type: 'HELLO', realm: 'thoth.test', details: {} };
const msgpackFrame = (m: Message) => encodeFrame(FrameType.message, serializers.msgpack.encode(encodeMessage(m)));

async function rawClient(listener: Listener): Promise<{ socket: Socket; reader: RawReader }> {
  const { port } = listener.address as { port: number };
  const socket = connect(port, '127.0.0.1');
  const reader = new RawReader(socket);
  await once(socket, 'connect');
  return { socket, reader };
}

/** A raw client that completed a msgpack handshake announcing `exponent`. */
async function handshaken(listener: Listener, exponent = 15): Promise<{ socket: Socket; reader: RawReader }> {
  const client = await rawClient(listener);
  client.socket.write(Buffer.from([0x7f, (exponent << 4) | 2, 0, 0]));
  const reply = await client.reader.read(4);
  assert.equal(reply[0], 0x7f);
  assert.equal(reply[1]! & 0x0f, 2);
  return client;
}

describe('RawSocket listener: handshake', { timeout: 10_000 }, () => {
  let listener: Listener;
  const errors: string[] = [];
  const accepted = nextConnection();
  before(async () => {
    listener = await listenRawSocket(
      { limits: { maxMessageBytes: 65536 }, maxConnections: 2, minClientMaxMessageBytes: 1024, onError: (e) => errors.push(e.message) },
      accepted.onConnection,
    );
  });
  after(() => listener.close());

  it('names its URL and address', () => {
    assert.match(listener.url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((listener.address as { host: string }).host, '127.0.0.1');
  });

  it('answers a valid request with its own maximum and the echoed serializer', async () => {
    const { socket, reader } = await rawClient(listener);
    socket.write(Buffer.from([0x7f, 0xf1, 0, 0]));
    assert.deepEqual([...(await reader.read(4))], [0x7f, 0x71, 0, 0]); // 2^16 = 65536, json
    const server = await accepted.next();
    assert.equal(server.serializer, 'json');
    assert.equal(server.transport, 'rawsocket');
    server.destroy();
    socket.destroy();
  });

  const refused: [string, number[], number[] | undefined, RegExp][] = [
    ['bad magic (HTTP)', [...Buffer.from('GET ')], undefined, /not a RawSocket handshake/],
    ['reserved bits', [0x7f, 0xf2, 0, 1], [0x7f, 0x30, 0, 0], /reserved/],
    ['unsupported serializer (CBOR)', [0x7f, 0xf3, 0, 0], [0x7f, 0x10, 0, 0], /cbor/],
    ['serializer 0', [0x7f, 0xf0, 0, 0], [0x7f, 0x10, 0, 0], /illegal serializer/],
    ['client maximum too small', [0x7f, 0x02, 0, 0], [0x7f, 0x20, 0, 0], /at least 1024/],
  ];
  for (const [name, request, reply, reason] of refused) {
    it(`refuses ${name} with ${reply ? 'the spec error reply' : 'no reply'}, then closes`, async () => {
      const before = errors.length;
      const { socket, reader } = await rawClient(listener);
      socket.write(Buffer.from(request));
      await reader.untilClosed();
      assert.deepEqual([...reader.received], reply ?? []);
      assert.equal(errors.length, before + 1);
      assert.match(errors.at(-1)!, reason);
    });
  }

  it('closes a handshake that never completes after the timeout', async () => {
    const slow = await listenRawSocket({ handshakeTimeoutMs: 50, onError: (e) => errors.push(e.message) }, () => assert.fail('no connection'));
    try {
      const { socket, reader } = await rawClient(slow);
      socket.write(Buffer.from([0x7f, 0xf2])); // half a handshake
      await reader.untilClosed();
      assert.deepEqual([...reader.received], []);
      assert.match(errors.at(-1)!, /no handshake within 50 ms/);
    } finally {
      await slow.close();
    }
  });

  it('refuses connections over maxConnections with "maximum connection count reached"', async () => {
    const first = await handshaken(listener);
    const second = await handshaken(listener);
    const a = await accepted.next();
    const b = await accepted.next();
    const third = await rawClient(listener);
    third.socket.write(Buffer.from([0x7f, 0xf2, 0, 0]));
    await third.reader.untilClosed();
    assert.deepEqual([...third.reader.received], [0x7f, 0x40, 0, 0]);
    // A slot frees when a connection ends.
    const ended = attach(a);
    a.destroy();
    await ended.closedInfo();
    const fourth = await handshaken(listener);
    (await accepted.next()).destroy();
    for (const c of [first, second, fourth]) c.socket.destroy();
    b.destroy();
  });

  it('delivers frames sent together with the handshake, once attached', async () => {
    const { socket } = await rawClient(listener);
    socket.write(Buffer.concat([Buffer.from([0x7f, 0xf2, 0, 0]), msgpackFrame(hello), msgpackFrame(hello)]));
    const server = await accepted.next();
    const recorder = attach(server);
    assert.deepEqual(await recorder.messageCount(2), [hello, hello]);
    server.destroy();
    socket.destroy();
  });
});

describe('RawSocket connection', { timeout: 10_000 }, () => {
  let listener: Listener;
  const accepted = nextConnection();
  before(async () => {
    listener = await listenRawSocket({ limits: { maxMessageBytes: 1024 } }, accepted.onConnection);
  });
  after(() => listener.close());

  async function serverFor(exponent?: number): Promise<{ socket: Socket; reader: RawReader; server: Connection }> {
    const client = await handshaken(listener, exponent);
    return { ...client, server: await accepted.next() };
  }

  it('closes with message_too_large on a frame header over the limit, without waiting for the body', async () => {
    const { socket, reader, server } = await serverFor();
    const recorder = attach(server);
    socket.write(Buffer.from([0x00, 0x00, 0x04, 0x01])); // 1025 bytes announced, none sent
    const info = await recorder.closedInfo();
    assert.equal(info.code, 'message_too_large');
    assert.match(info.reason, /1025 bytes is over the limit of 1024/);
    await reader.untilClosed();
  });

  it('reports garbage bytes as a violation, without closing or crashing', async () => {
    const { socket, server } = await serverFor();
    const recorder = attach(server);
    socket.write(encodeFrame(FrameType.message, Buffer.from([0xc1, 0xc1, 0xc1])));
    assert.match(await recorder.violation1(), /msgpack/);
    socket.write(encodeFrame(FrameType.message, serializers.msgpack.encode([999, 'not a message'])));
    await recorder.until(() => recorder.violations.length >= 2);
    socket.write(msgpackFrame(hello));
    assert.deepEqual(await recorder.messageCount(1), [hello]);
    socket.write(Buffer.from([0xf0, 0xde, 0xad, 0xbe, 0xef]));
    await recorder.until(() => recorder.violations.length >= 3);
    assert.match(recorder.violations[2]!.reason, /framing error: .*reserved bits/);
    assert.equal(server.closed, false);
    // The owner can still answer and close.
    server.send({ type: 'ABORT', details: {}, reason: 'wamp.error.protocol_violation' });
    server.close('protocol violation');
    assert.equal((await recorder.closedInfo()).code, 'closed');
    socket.destroy();
  });

  it('answers a PING with a PONG echoing its payload', async () => {
    const { socket, reader, server } = await serverFor();
    attach(server);
    socket.write(encodeFrame(FrameType.ping, Buffer.from('are you there?')));
    const header = await reader.read(4);
    assert.deepEqual([...header], [FrameType.pong, 0, 0, 14]);
    assert.equal((await reader.read(14)).toString(), 'are you there?');
    server.destroy();
    socket.destroy();
  });

  it('never sends a frame over the maximum the peer announced', async () => {
    const { reader, socket, server } = await serverFor(0); // the client accepts 512 bytes
    attach(server);
    const big: Message = { type: 'EVENT', subscriptionId: 1, publicationId: 2, details: {}, args: ['z'.repeat(600)] };
    assert.equal(server.send(big), false);
    assert.equal(server.closed, false);
    assert.equal(server.send(hello), true);
    const header = await reader.read(4);
    const length = header.readUIntBE(1, 3);
    assert.ok(length <= 512);
    assert.deepEqual(serializers.msgpack.decode(await reader.read(length)), encodeMessage(hello));
    server.destroy();
    socket.destroy();
  });

  it('closes with ping_timeout when the peer does not answer PINGs', async () => {
    const pinging = nextConnection();
    const keepalive = await listenRawSocket({ pingIntervalMs: 20 }, pinging.onConnection);
    try {
      const { socket, reader } = await handshaken(keepalive);
      const recorder = attach(await pinging.next());
      const ping = await reader.read(4);
      assert.equal(ping[0], FrameType.ping);
      const info = await recorder.closedInfo();
      assert.equal(info.code, 'ping_timeout');
      assert.match(info.reason, /no PONG within 20 ms/);
      socket.destroy();
    } finally {
      await keepalive.close();
    }
  });
});

describe('RawSocket client', { timeout: 10_000 }, () => {
  /** A fake router that answers the handshake with `reply` (or nothing). */
  async function fakeRouter(reply: number[] | undefined): Promise<{ url: string; close: () => Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('data', () => {
        if (reply) socket.end(Buffer.from(reply));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }

  it('rejects with handshake_failed and the spec text when the router refuses', async () => {
    const router = await fakeRouter([0x7f, 0x40, 0, 0]);
    try {
      await assert.rejects(connectTransport(router.url), (error: unknown) => {
        assert.ok(error instanceof TransportError);
        assert.equal(error.code, 'handshake_failed');
        assert.match(error.message, /maximum connection count reached/);
        assert.match(error.message, new RegExp(router.url));
        return true;
      });
    } finally {
      await router.close();
    }
  });

  it('rejects with handshake_failed when the router answers another serializer', async () => {
    const router = await fakeRouter([0x7f, 0xf1, 0, 0]);
    try {
      await assert.rejects(connectTransport(router.url, { serializer: 'msgpack' }), { name: 'TransportError', code: 'handshake_failed' });
    } finally {
      await router.close();
    }
  });

  it('rejects with timeout when the router never answers', async () => {
    const router = await fakeRouter(undefined);
    try {
      await assert.rejects(connectTransport(router.url, { timeoutMs: 50 }), { name: 'TransportError', code: 'timeout', retryable: true });
    } finally {
      await router.close();
    }
  });

  it('rejects with connect_failed when nobody listens', async () => {
    const router = await fakeRouter(undefined);
    await router.close();
    await assert.rejects(connectTransport(router.url), { name: 'TransportError', code: 'connect_failed' });
  });

  it('rejects with aborted when the signal fires', async () => {
    const router = await fakeRouter(undefined);
    try {
      const controller = new AbortController();
      const pending = connectTransport(router.url, { signal: controller.signal });
      controller.abort();
      await assert.rejects(pending, { name: 'TransportError', code: 'aborted' });
      await assert.rejects(connectTransport(router.url, { signal: AbortSignal.abort() }), { code: 'aborted' });
    } finally {
      await router.close();
    }
  });

  it('answers a PING from the router with a PONG', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.write(Buffer.concat([Buffer.from([0x7f, 0xf2, 0, 0]), encodeFrame(FrameType.ping, Buffer.from('ping?'))])));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    try {
      const client = await connectTransport(`tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
      attach(client);
      const reader = new RawReader(await accepted);
      assert.deepEqual([...(await reader.read(4))], [FrameType.pong, 0, 0, 5]);
      assert.equal((await reader.read(5)).toString(), 'ping?');
      client.destroy();
    } finally {
      server.close();
    }
  });
});

describe('RawSocket over Unix sockets', { timeout: 10_000 }, () => {
  it('listens on a path, names it unix://, and removes the file on close', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'r.sock');
      const accepted = nextConnection();
      const listener = await listenRawSocket({ path }, accepted.onConnection);
      assert.equal(listener.url, `unix://${path}`);
      assert.deepEqual(listener.address, { path });
      const client = await connectTransport(listener.url, { serializer: 'json' });
      const server = await accepted.next();
      assert.equal(server.remoteAddress, 'unix');
      assert.equal(server.isLocal, true);
      client.destroy();
      server.destroy();
      await listener.close();
      await assert.rejects(connectTransport(listener.url), { code: 'connect_failed' });
    } finally {
      await dir.remove();
    }
  });

  it('takes over a socket file left by a process that died, but not a regular file', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'stale.sock');
      const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
      await once(child, 'exit');
      const listener = await listenRawSocket({ path }, () => {});
      await listener.close();

      const file = join(dir.path, 'file.sock');
      await writeFile(file, 'not a socket');
      await assert.rejects(listenRawSocket({ path: file }, () => {}), { code: 'listen_failed' });
    } finally {
      await dir.remove();
    }
  });
});
