import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClientError, connect, type ConnectOptions, type Session } from '../../src/client/index.js';
import { resolveOptions } from '../../src/client/options.js';
import { anonymousAuthenticator, Router, type Authenticator } from '../../src/router/index.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';
import { captureLogger } from '../agent/support.js';

/**
 * Challenges with nothing and welcomes only a client that answers with the hex
 * of the channel binding the router sees: both ends must hold the same value.
 */
const channelBindingEcho: Authenticator = {
  method: 'test-binding',
  hello: () => ({ kind: 'challenge', method: 'test-binding', extra: {}, state: undefined }),
  authenticate(request, _state, message) {
    const binding = request.connection.channelBinding;
    if (binding === undefined || message.signature !== binding.value.toString('hex')) {
      return { kind: 'reject', reason: 'wamp.error.authentication_failed', message: `expected the channel binding ${binding?.value.toString('hex')}` };
    }
    return { kind: 'welcome', identity: { authid: 'bound', authrole: 'local', authmethod: 'test-binding', authprovider: 'static' } };
  },
};

describe('the SDK over TLS (wss://, tls://) to a router with a self-signed certificate', { timeout: 30_000 }, () => {
  let certs: TestCerts;
  let router: Router;
  let log: ReturnType<typeof captureLogger>;
  let urls: { websocket: string; rawsocket: string; issued: string };
  const sessions: Session[] = [];

  const open = async (url: string, options: Partial<ConnectOptions> = {}): Promise<Session> => {
    const session = await connect({ url, reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500, ...options });
    sessions.push(session);
    return session;
  };
  const pinned = () => ({ tls: { fingerprint: certs.selfSigned.fingerprint } });

  before(async () => {
    certs = await makeTestCerts();
    log = captureLogger('debug');
    router = new Router({ logger: log.logger, shutdownTimeoutMs: 500, authenticators: [anonymousAuthenticator, channelBindingEcho] });
    const home = { cert: certs.selfSigned.cert, key: certs.selfSigned.key };
    const [websocket, rawsocket] = await router.listen({ websocket: { port: 0, tls: home }, rawsocket: { port: 0, tls: home } });
    const [issued] = await router.listen({ rawsocket: { port: 0, tls: { cert: certs.issued.cert, key: certs.issued.key } } });
    assert.ok(websocket && rawsocket && issued);
    urls = { websocket, rawsocket, issued };
  });
  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await router.close();
    await certs.remove();
  });

  test('the router reports TLS URLs and logs each certificate fingerprint at start, for pinning', async () => {
    assert.match(urls.websocket, /^wss:\/\//);
    assert.match(urls.rawsocket, /^tls:\/\//);
    const line = await log.waitFor((l) => l['msg'] === `tls fingerprint ${certs.selfSigned.fingerprint}`);
    assert.equal(line['fingerprint'], certs.selfSigned.fingerprint);
    assert.deepEqual(router.endpoints.find((e) => e.url === urls.issued)?.tlsFingerprint, certs.issued.fingerprint);
  });

  for (const transport of ['websocket', 'rawsocket'] as const) {
    for (const serializer of ['json', 'msgpack'] as const) {
      test(`${transport}, ${serializer}: a pinned session calls a pinned session`, async () => {
        const callee = await open(urls[transport], { serializer, ...pinned() });
        const caller = await open(urls[transport], { serializer, ...pinned() });
        const procedure = `app.echo.${transport}.${serializer}`;
        await callee.register(procedure, ([value]) => value);
        assert.deepEqual((await caller.call(procedure, [{ over: 'tls', n: 1 }])).value, { over: 'tls', n: 1 });
      });
    }

    test(`${transport}: a wrong pin is refused with ClientError tls_failed, saying expected and got`, async () => {
      await assert.rejects(open(urls[transport], { tls: { fingerprint: certs.other.fingerprint } }), (error: unknown) => {
        assert.ok(error instanceof ClientError, String(error));
        assert.equal(error.code, 'tls_failed');
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`expected ${certs.other.fingerprint}, got ${certs.selfSigned.fingerprint}`));
        return true;
      });
    });

    test(`${transport}: without a pin or CA the self-signed certificate is refused`, async () => {
      await assert.rejects(open(urls[transport]), (error: unknown) => error instanceof ClientError && error.code === 'tls_failed' && /self-signed.*DEPTH_ZERO_SELF_SIGNED_CERT/.test(error.message));
    });

    test(`${transport}: the router's authenticator and the client's onChallenge see the same tls-exporter channel binding`, async () => {
      const session = await open(urls[transport], {
        ...pinned(),
        authmethods: ['test-binding'],
        onChallenge: (_method, _extra, context) => context?.channelBinding?.value.toString('hex') ?? 'none',
      });
      assert.equal(session.details['authmethod'], 'test-binding');
    });
  }

  test('a certificate issued by a CA given in tls.ca is accepted', async () => {
    const session = await open(urls.issued, { tls: { ca: certs.ca } });
    assert.equal(typeof session.id, 'number');
  });

  test('a plain client at a TLS port fails cleanly; the router logs it at debug and serves the others', async () => {
    const plain = urls.websocket.replace(/^wss:/, 'ws:');
    await assert.rejects(open(plain), (error: unknown) => error instanceof ClientError && error.code === 'connect_failed');
    await assert.rejects(open(urls.rawsocket.replace(/^tls:/, 'tcp:')), (error: unknown) => error instanceof ClientError && error.code === 'connect_failed');
    const line = await log.waitFor((l) => l['msg'] === 'connection failed before its session' && /not a TLS handshake/.test(String(l['reason'])));
    assert.equal(line['level'], 20);
    const session = await open(urls.rawsocket, pinned());
    await session.register('app.after.plain', () => 'ok');
    assert.equal((await session.call('app.after.plain')).value, 'ok');
  });

  test('tls options are validated before anything connects', () => {
    const refused = (options: unknown, pattern: RegExp) => assert.throws(() => resolveOptions(options), (error: unknown) => error instanceof ClientError && error.code === 'invalid_options' && pattern.test(error.message));
    refused({ url: 'wss://127.0.0.1:1/ws', tls: { fingerprint: 'AB:CD' } }, /"tls\.fingerprint": must be a SHA-256 fingerprint/);
    refused({ url: 'wss://127.0.0.1:1/ws', tls: { fingerprint: certs.other.fingerprint, ca: certs.ca } }, /"tls": fingerprint pins the certificate/);
    refused({ url: 'wss://127.0.0.1:1/ws', tls: { ca: 'not a certificate' } }, /"tls\.ca"/);
    refused({ url: 'wss://127.0.0.1:1/ws', tls: { pin: 'x' } }, /"tls\.pin": unknown key/);
    refused({ url: 'ws://127.0.0.1:1/ws', tls: { fingerprint: certs.other.fingerprint } }, /"tls": only for wss:\/\/ and tls:\/\/ URLs/);
    const lower = certs.other.fingerprint.replace('sha256:', '').replaceAll(':', '').toLowerCase();
    assert.deepEqual(resolveOptions({ url: 'tls://127.0.0.1:1', tls: { fingerprint: lower } }).tls, { fingerprint: lower });
  });
});
