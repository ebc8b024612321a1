import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, get, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { serializers } from '../../src/codec/index.js';
import { encodeMessage } from '../../src/protocol/parse.js';
import type { Message } from '../../src/protocol/messages.js';
import { connectTransport, listenWebSocket, TransportError, type Listener } from '../../src/transport/index.js';
import { attach, nextConnection } from './helpers.js';

const hello: Message = { type: 'HELLO', realm: 'thoth.test', details: {} };

/** Open a plain `ws` client; resolves on open, or with the HTTP refusal. */
function rawWs(
  url: string,
  protocols: string[],
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

async function openRaw(url: string, protocol: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const result = await rawWs(url, [protocol], options);
  assert.ok('ws' in result, `refused: ${JSON.stringify(result)}`);
  return result.ws;
}

describe('WebSocket listener', { timeout: 10_000 }, () => {
  let listener: Listener;
  const accepted = nextConnection();
  const errors: string[] = [];
  before(async () => {
    listener = await listenWebSocket(
      { limits: { maxMessageBytes: 1024 }, onError: (e) => errors.push(e.message) },
      accepted.onConnection,
    );
  });
  after(() => listener.close());

  it('names its URL with the default path /ws', () => {
    assert.match(listener.url, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
  });

  for (const offered of [['wamp.2.cbor'], [], ['chat', 'wamp.2.ubjson']]) {
    it(`refuses a handshake offering ${offered.join(', ') || 'no subprotocol'} with HTTP 400 and a reason`, async () => {
      const result = await rawWs(listener.url, offered);
      assert.ok('status' in result);
      assert.equal(result.status, 400);
      assert.match(result.body, /no supported WAMP subprotocol/);
      assert.match(result.body, /wamp\.2\.json, wamp\.2\.msgpack/);
      assert.match(errors.at(-1)!, /WebSocket handshake refused/);
    });
  }

  it("picks the first of the client's subprotocols that it speaks", async () => {
    const result = await rawWs(listener.url, ['wamp.2.cbor', 'wamp.2.msgpack', 'wamp.2.json']);
    assert.ok('ws' in result);
    assert.equal(result.ws.protocol, 'wamp.2.msgpack');
    const server = await accepted.next();
    assert.equal(server.serializer, 'msgpack');
    assert.equal(server.transport, 'websocket');
    result.ws.terminate();
    server.destroy();
  });

  it('answers 404 on another path and 426 to plain HTTP', async () => {
    const wrongPath = await rawWs(listener.url.replace(/\/ws$/, '/other'), ['wamp.2.json']);
    assert.ok('status' in wrongPath);
    assert.equal(wrongPath.status, 404);
    const response = await new Promise<IncomingMessage>((resolve) => get(listener.url.replace(/^ws/, 'http'), resolve));
    response.resume();
    assert.equal(response.statusCode, 426);
  });

  it('reports a text frame on a msgpack connection and a binary frame on a json one as violations', async () => {
    for (const [protocol, wrong] of [['wamp.2.msgpack', 'text'], ['wamp.2.json', 'binary']] as const) {
      const ws = await openRaw(listener.url, protocol);
      const server = await accepted.next();
      const recorder = attach(server);
      ws.send(JSON.stringify(encodeMessage(hello)), { binary: wrong === 'binary' });
      assert.equal(await recorder.violation1(), `${wrong} WebSocket frame on a ${protocol} connection`);
      assert.equal(server.closed, false);
      // The right kind of frame still works.
      const right = protocol === 'wamp.2.msgpack' ? serializers.msgpack.encode(encodeMessage(hello)) : JSON.stringify(encodeMessage(hello));
      ws.send(right, { binary: protocol === 'wamp.2.msgpack' });
      assert.deepEqual(await recorder.messageCount(1), [hello]);
      ws.terminate();
      await recorder.closedInfo();
    }
  });

  it('sends text frames for json and binary frames for msgpack', async () => {
    for (const [protocol, binary] of [['wamp.2.json', false], ['wamp.2.msgpack', true]] as const) {
      const ws = await openRaw(listener.url, protocol);
      const server = await accepted.next();
      attach(server);
      server.send(hello);
      const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
      assert.equal(isBinary, binary);
      const decoded = binary ? serializers.msgpack.decode(data) : JSON.parse(data.toString('utf8'));
      assert.deepEqual(decoded, encodeMessage(hello));
      ws.terminate();
    }
  });

  it('closes with message_too_large on an incoming message over maxMessageBytes', async () => {
    const ws = await openRaw(listener.url, 'wamp.2.json', { maxPayload: 1 << 20 });
    const server = await accepted.next();
    const recorder = attach(server);
    ws.on('error', () => {});
    ws.send(JSON.stringify([16, 1, {}, 'com.example.topic', ['x'.repeat(2000)]]));
    const info = await recorder.closedInfo();
    assert.equal(info.code, 'message_too_large');
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1009);
  });

  it('closes with ping_timeout when the peer does not answer pings', async () => {
    const pinging = nextConnection();
    const keepalive = await listenWebSocket({ pingIntervalMs: 20 }, pinging.onConnection);
    try {
      const ws = await openRaw(keepalive.url, 'wamp.2.json', { autoPong: false });
      const recorder = attach(await pinging.next());
      await once(ws, 'ping');
      const info = await recorder.closedInfo();
      assert.equal(info.code, 'ping_timeout');
      ws.terminate();
    } finally {
      await keepalive.close();
    }
  });
});

describe('WebSocket listener on a shared HTTP server', { timeout: 10_000 }, () => {
  it('answers upgrades on its path, leaves other requests to the server, and detaches on close', async () => {
    const http = createHttpServer((_req, res) => res.end('dashboard'));
    http.listen(0, '127.0.0.1');
    const accepted = nextConnection();
    const listener = await listenWebSocket({ server: http, path: '/wamp' }, accepted.onConnection);
    try {
      const port = (http.address() as AddressInfo).port;
      assert.equal(listener.url, `ws://127.0.0.1:${port}/wamp`);
      const client = await connectTransport(listener.url, { serializer: 'msgpack' });
      const server = await accepted.next();
      const recorder = attach(server);
      client.send(hello);
      assert.deepEqual(await recorder.messageCount(1), [hello]);
      const page = await new Promise<string>((resolve) =>
        get(`http://127.0.0.1:${port}/`, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }),
      );
      assert.equal(page, 'dashboard');
      client.destroy();
      await recorder.closedInfo();
      await listener.close();
      assert.equal(http.listenerCount('upgrade'), 0);
      assert.equal(http.listening, true);
    } finally {
      http.close();
    }
  });
});

describe('WebSocket client', { timeout: 10_000 }, () => {
  it('rejects with handshake_failed and the HTTP reason when the server speaks another serializer', async () => {
    const listener = await listenWebSocket({ serializers: ['json'] }, () => assert.fail('no connection'));
    try {
      await assert.rejects(connectTransport(listener.url, { serializer: 'msgpack' }), (error: unknown) => {
        assert.ok(error instanceof TransportError);
        assert.equal(error.code, 'handshake_failed');
        assert.match(error.message, /HTTP 400/);
        assert.match(error.message, /offered: wamp\.2\.msgpack; supported: wamp\.2\.json/);
        assert.equal(error.url, listener.url);
        return true;
      });
    } finally {
      await listener.close();
    }
  });

  it('rejects with handshake_failed when the server picks another subprotocol', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'wamp.2.cbor' });
    await once(wss, 'listening');
    try {
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
      await assert.rejects(connectTransport(url), { name: 'TransportError', code: 'handshake_failed' });
    } finally {
      wss.close();
    }
  });

  it('rejects with connect_failed when nobody listens and with timeout when nobody answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket: Socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    try {
      await assert.rejects(connectTransport(`ws://127.0.0.1:${port}/ws`, { timeoutMs: 50 }), { code: 'timeout' });
    } finally {
      silent.close();
      for (const socket of sockets) socket.destroy();
    }
    await assert.rejects(connectTransport(`ws://127.0.0.1:${port}/ws`), { code: 'connect_failed' });
  });
});
