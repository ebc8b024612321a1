import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  connectTransport,
  createMemoryPair,
  isLoopbackAddress,
  listenRawSocket,
  listenWebSocket,
  parseTransportUrl,
} from '../../src/transport/index.js';

describe('parseTransportUrl', () => {
  it('reads every scheme', () => {
    assert.deepEqual(parseTransportUrl('ws://127.0.0.1:8080/ws'), { kind: 'websocket', url: 'ws://127.0.0.1:8080/ws' });
    assert.deepEqual(parseTransportUrl('wss://example.org/ws'), { kind: 'websocket', url: 'wss://example.org/ws' });
    assert.deepEqual(parseTransportUrl('tcp://127.0.0.1:8081'), { kind: 'rawsocket', host: '127.0.0.1', port: 8081 });
    assert.deepEqual(parseTransportUrl('rawsocket://localhost:9000'), { kind: 'rawsocket', host: 'localhost', port: 9000 });
    assert.deepEqual(parseTransportUrl('tcp://[::1]:8081'), { kind: 'rawsocket', host: '::1', port: 8081 });
    assert.deepEqual(parseTransportUrl('unix:///run/thoth/router.sock'), { kind: 'rawsocket', path: '/run/thoth/router.sock' });
  });

  for (const bad of ['', 'nope', 'http://x/ws', 'tcp://127.0.0.1', 'tcp://:80', 'unix://host/path', 'unix:///', 'udp://1.2.3.4:5']) {
    it(`refuses '${bad}' with bad_url`, () => {
      assert.throws(() => parseTransportUrl(bad), { name: 'TransportError', code: 'bad_url' });
    });
  }
});

describe('options are validated, naming the bad key', () => {
  it('connectTransport', async () => {
    await assert.rejects(connectTransport('ws://127.0.0.1:1/ws', { bogus: 1 } as object), /unknown option 'bogus'/);
    await assert.rejects(connectTransport('tcp://127.0.0.1:1', { limits: { maxMessageBytes: 100 } }), {
      code: 'bad_options',
      message: /limits\.maxMessageBytes.*got 100/,
    });
    await assert.rejects(connectTransport('tcp://127.0.0.1:1', { serializer: 'cbor' as 'json' }), /unknown serializer 'cbor'/);
    await assert.rejects(connectTransport('tcp://127.0.0.1:1', { timeoutMs: -5 }), /'timeoutMs'/);
    await assert.rejects(connectTransport('ftp://x'), { code: 'bad_url' });
  });

  it('listeners', async () => {
    await assert.rejects(listenRawSocket({ path: '/tmp/x.sock', port: 1 }, () => {}), /either 'path' or 'host'\/'port'/);
    await assert.rejects(listenRawSocket({ nope: true } as object, () => {}), /unknown option 'nope'/);
    await assert.rejects(listenRawSocket({ serializers: [] }, () => {}), /'serializers' must not be empty/);
    await assert.rejects(listenRawSocket({ limits: { maxQueued: 1 } as object }, () => {}), /unknown option 'maxQueued'/);
    await assert.rejects(listenWebSocket({ path: 'ws' }, () => {}), /must start with '\/'/);
    await assert.rejects(listenWebSocket({ port: 70000 }, () => {}), { code: 'listen_failed' });
  });

  it('createMemoryPair', () => {
    assert.throws(() => createMemoryPair('json', { maxQueuedBytes: 0 }), /limits\.maxQueuedBytes/);
  });
});

describe('isLoopbackAddress', () => {
  it('knows loopback from the rest', () => {
    for (const yes of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.9']) assert.equal(isLoopbackAddress(yes), true, yes);
    for (const no of ['10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', '1127.0.0.1', 'localhost', '', undefined]) {
      assert.equal(isLoopbackAddress(no), false, String(no));
    }
  });
});
