import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { Message } from '../../src/protocol/messages.js';
import {
  connectTransport,
  listenRawSocket,
  listenWebSocket,
  TransportError,
  type Connection,
  type Listener,
  type TlsServerOptions,
} from '../../src/transport/index.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';
import { attach, nextConnection, tempDir } from './helpers.js';

const hello: Message = { type: 'HELLO', realm: 'thoth.test', details: { roles: { caller: {} } } };
const welcome: Message = { type: 'WELCOME', sessionId: 7, details: {} };

type Kind = 'websocket' | 'rawsocket';
const listen = (kind: Kind, tls: TlsServerOptions, onConnection: (c: Connection) => void, onError?: (e: Error) => void): Promise<Listener> =>
  kind === 'websocket'
    ? listenWebSocket({ tls, ...(onError && { onError }) }, onConnection)
    : listenRawSocket({ tls, ...(onError && { onError }) }, onConnection);

function refusedWith(code: string, ...patterns: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.code, code, error.message);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

describe('TLS transports (wss://, tls://)', { timeout: 30_000 }, () => {
  let certs: TestCerts;
  before(async () => {
    certs = await makeTestCerts();
  });
  after(() => certs.remove());

  const home = (): TlsServerOptions => ({ cert: certs.selfSigned.cert, key: certs.selfSigned.key });

  for (const kind of ['websocket', 'rawsocket'] as const) {
    for (const serializer of ['json', 'msgpack'] as const) {
      it(`${kind}, ${serializer}: a pinned self-signed router; messages both ways; both ends get the same tls-exporter channel binding`, async () => {
        const accepted = nextConnection();
        const listener = await listen(kind, home(), accepted.onConnection);
        try {
          assert.match(listener.url, kind === 'websocket' ? /^wss:\/\/127\.0\.0\.1:\d+\/ws$/ : /^tls:\/\/127\.0\.0\.1:\d+$/);
          assert.equal(listener.tlsFingerprint, certs.selfSigned.fingerprint);
          const client = await connectTransport(listener.url, { serializer, tls: { fingerprint: certs.selfSigned.fingerprint } });
          const server = await accepted.next();
          const atServer = attach(server);
          const atClient = attach(client);
          client.send(hello);
          assert.deepEqual((await atServer.messageCount(1))[0], hello);
          server.send(welcome);
          assert.deepEqual((await atClient.messageCount(1))[0], welcome);
          assert.equal(server.serializer, serializer);
          assert.equal(client.channelBinding?.type, 'tls-exporter');
          assert.equal(client.channelBinding?.value.length, 32);
          assert.deepEqual(server.channelBinding, client.channelBinding);
          client.close();
          await atServer.closedInfo();
        } finally {
          await listener.close();
        }
      });
    }
  }

  describe('checking the router certificate', () => {
    const listeners: Listener[] = [];
    let homeUrls: Record<Kind, string>;
    let issuedUrls: Record<Kind, string>;
    before(async () => {
      const start = async (tls: TlsServerOptions): Promise<Record<Kind, string>> => {
        const ws = await listenWebSocket({ tls }, (c) => c.destroy());
        const raw = await listenRawSocket({ tls }, (c) => c.destroy());
        listeners.push(ws, raw);
        return { websocket: ws.url, rawsocket: raw.url };
      };
      homeUrls = await start(home());
      issuedUrls = await start({ cert: certs.issued.cert, key: certs.issued.key });
    });
    after(() => Promise.all(listeners.map((l) => l.close())));

    for (const kind of ['websocket', 'rawsocket'] as const) {
      it(`${kind}: the pin is accepted without colons and in any case`, async () => {
        const bare = certs.selfSigned.fingerprint.replace(/^sha256:/, '').replaceAll(':', '').toLowerCase();
        (await connectTransport(homeUrls[kind], { tls: { fingerprint: bare } })).destroy();
      });

      it(`${kind}: a certificate that is not the pinned one is refused, saying expected and got`, async () => {
        await assert.rejects(
          connectTransport(homeUrls[kind], { tls: { fingerprint: certs.other.fingerprint } }),
          refusedWith('tls_failed', new RegExp(`expected ${certs.other.fingerprint}, got ${certs.selfSigned.fingerprint}`)),
        );
      });

      it(`${kind}: a self-signed certificate without a pin or CA is refused, naming the verification error`, async () => {
        await assert.rejects(
          connectTransport(homeUrls[kind]),
          refusedWith('tls_failed', /self-signed/, /DEPTH_ZERO_SELF_SIGNED_CERT/, /tls\.fingerprint/, new RegExp(certs.selfSigned.fingerprint)),
        );
      });

      it(`${kind}: a certificate issued by a CA given in tls.ca is accepted; its names are checked`, async () => {
        await assert.rejects(connectTransport(issuedUrls[kind]), refusedWith('tls_failed', /issuer is not trusted/));
        (await connectTransport(issuedUrls[kind], { tls: { ca: certs.ca } })).destroy();
        await assert.rejects(
          connectTransport(issuedUrls[kind], { tls: { ca: certs.ca, servername: 'router.example.org' } }),
          refusedWith('tls_failed', /router\.example\.org/, /ERR_TLS_CERT_ALTNAME_INVALID/),
        );
      });

      it(`${kind}: rejectUnauthorized false accepts an unverified certificate`, async () => {
        (await connectTransport(homeUrls[kind], { tls: { rejectUnauthorized: false } })).destroy();
      });
    }
  });

  for (const kind of ['websocket', 'rawsocket'] as const) {
    it(`${kind}: a plain client at a TLS port fails cleanly; the listener reports it and goes on serving`, async () => {
      const accepted = nextConnection();
      const errors: Error[] = [];
      let reported: () => void = () => {};
      const reportedOnce = new Promise<void>((resolve) => (reported = resolve));
      const listener = await listen(kind, home(), accepted.onConnection, (error) => {
        errors.push(error);
        reported();
      });
      try {
        const plainUrl = listener.url.replace(/^wss:/, 'ws:').replace(/^tls:/, 'tcp:');
        await assert.rejects(connectTransport(plainUrl, { timeoutMs: 5000 }), (error: unknown) => error instanceof TransportError && error.code !== 'timeout');
        await reportedOnce;
        assert.ok(errors[0] instanceof TransportError && errors[0].code === 'tls_failed', String(errors[0]));
        const client = await connectTransport(listener.url, { tls: { fingerprint: certs.selfSigned.fingerprint } });
        (await accepted.next()).destroy();
        client.destroy();
      } finally {
        await listener.close();
      }
    });
  }

  it('a TLS client at a plain port fails with tls_failed, asking whether the listener is TLS', async () => {
    const ws = await listenWebSocket({}, (c) => c.destroy());
    const raw = await listenRawSocket({}, (c) => c.destroy());
    try {
      const pin = { tls: { fingerprint: certs.selfSigned.fingerprint } };
      await assert.rejects(connectTransport(ws.url.replace(/^ws:/, 'wss:'), pin), refusedWith('tls_failed', /TLS listener/));
      await assert.rejects(connectTransport(raw.url.replace(/^tcp:/, 'tls:'), pin), refusedWith('tls_failed', /TLS listener/));
    } finally {
      await Promise.all([ws.close(), raw.close()]);
    }
  });

  it('listener options: a key that does not match, a non-certificate, tls on a Unix socket or with a given server are refused', async () => {
    const other = certs.other;
    await assert.rejects(listenRawSocket({ tls: { cert: certs.selfSigned.cert, key: other.key } }, () => {}), refusedWith('bad_options', /tls\.key: the private key does not match the certificate/));
    await assert.rejects(listenWebSocket({ tls: { cert: 'not a certificate', key: other.key } }, () => {}), refusedWith('bad_options', /tls\.cert: not a PEM certificate/));
    await assert.rejects(listenWebSocket({ tls: { cert: other.cert, key: 'no key' } }, () => {}), refusedWith('bad_options', /tls\.key: not an unencrypted PEM private key/));
    await assert.rejects(listenWebSocket({ tls: home(), server: createServer() }, () => {}), refusedWith('bad_options', /either 'tls' or 'server'/));
    const dir = await tempDir();
    try {
      await assert.rejects(listenRawSocket({ path: `${dir.path}/s.sock`, tls: home() }, () => {}), refusedWith('bad_options', /not Unix sockets/));
    } finally {
      await dir.remove();
    }
  });

  it('a WebSocket listener on a given https server says wss:// and serves TLS clients', async () => {
    const server = createHttpsServer(home());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = nextConnection();
    const listener = await listenWebSocket({ server }, accepted.onConnection);
    try {
      assert.match(listener.url, /^wss:\/\//);
      const client = await connectTransport(listener.url, { tls: { fingerprint: certs.selfSigned.fingerprint } });
      const atServer = await accepted.next();
      assert.deepEqual(atServer.channelBinding, client.channelBinding);
      client.destroy();
      atServer.destroy();
    } finally {
      await listener.close();
      server.close();
    }
  });

  it('client options: a malformed pin, a pin with a CA, tls on a plain URL, and tcps:// are refused', async () => {
    await assert.rejects(connectTransport('tls://127.0.0.1:1', { tls: { fingerprint: 'sha1:AB' } }), refusedWith('bad_options', /tls\.fingerprint.*SHA-256/));
    await assert.rejects(connectTransport('tls://127.0.0.1:1', { tls: { fingerprint: certs.other.fingerprint, ca: certs.ca } }), refusedWith('bad_options', /one or the other/));
    await assert.rejects(connectTransport('tls://127.0.0.1:1', { tls: { ca: 'not a certificate' } }), refusedWith('bad_options', /tls\.ca/));
    await assert.rejects(connectTransport('ws://127.0.0.1:1/ws', { tls: { fingerprint: certs.other.fingerprint } }), refusedWith('bad_options', /wss:\/\/ and tls:\/\//));
    await assert.rejects(connectTransport('tcps://127.0.0.1:1'), refusedWith('bad_url', /tls:\/\/host:port/));
  });
});
