import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError, connect, RemoteError } from '../../src/client/index.js';
import { FakeNetwork } from './fake-router.js';
import { FakeClock } from './fake-clock.js';
import { open } from './harness.js';

describe('handshake', () => {
  it('HELLO names the realm (default thoth) and announces the roles and features', async () => {
    const net = new FakeNetwork();
    const session = await connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect });
    const router = await net.router(0);
    const hello = await router.expect('HELLO');
    assert.equal(hello.realm, 'thoth');
    const roles = hello.details['roles'] as Record<string, { features: Record<string, boolean> }>;
    assert.deepEqual(Object.keys(roles).sort(), ['callee', 'caller', 'publisher', 'subscriber']);
    for (const feature of ['progressive_call_results', 'call_timeout', 'call_canceling', 'caller_identification']) {
      assert.equal(roles['caller']!.features[feature], true, feature);
    }
    for (const feature of ['pattern_based_registration', 'shared_registration', 'progressive_call_results', 'call_canceling']) {
      assert.equal(roles['callee']!.features[feature], true, feature);
    }
    for (const feature of ['publisher_exclusion', 'subscriber_blackwhite_listing', 'publisher_identification']) {
      assert.equal(roles['publisher']!.features[feature], true, feature);
    }
    assert.equal(roles['subscriber']!.features['pattern_based_subscription'], true);
    assert.equal(hello.details['authmethods'], undefined);
    assert.equal(session.id, router.sessionId);
    assert.equal(session.realm, 'thoth');
    assert.equal(session.state, 'established');
    assert.deepEqual(net.urls, ['ws://fake.test/ws']);
    await session.close();
  });

  it('sends authid, authmethods and authextra, and answers a CHALLENGE through onChallenge', async () => {
    const net = new FakeNetwork({ welcome: false });
    const seen: [string, unknown][] = [];
    const connecting = connect({
      url: 'ws://fake.test/ws', realm: 'home', reconnect: false, connectTransport: net.connect,
      authid: 'alice', authmethods: ['ticket'], authextra: { device: 'd1' },
      onChallenge: async (method, extra) => { seen.push([method, extra]); return 'secret-ticket'; },
    });
    const router = await net.router(0);
    const hello = await router.expect('HELLO');
    assert.equal(hello.realm, 'home');
    assert.equal(hello.details['authid'], 'alice');
    assert.deepEqual(hello.details['authmethods'], ['ticket']);
    assert.deepEqual(hello.details['authextra'], { device: 'd1' });
    router.send({ type: 'CHALLENGE', authMethod: 'ticket', extra: { nonce: 'n' } });
    const auth = await router.expect('AUTHENTICATE');
    assert.equal(auth.signature, 'secret-ticket');
    assert.deepEqual(seen, [['ticket', { nonce: 'n' }]]);
    router.welcome({ authid: 'alice', authrole: 'user' });
    const session = await connecting;
    assert.equal(session.details['authrole'], 'user');
    await session.close();
  });

  it('a CHALLENGE without onChallenge aborts the handshake and rejects auth_failed', async () => {
    const net = new FakeNetwork({ welcome: false });
    const connecting = connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect, authmethods: ['ticket'] });
    const router = await net.router(0);
    await router.expect('HELLO');
    router.send({ type: 'CHALLENGE', authMethod: 'ticket', extra: {} });
    await assert.rejects(connecting, (error: unknown) => error instanceof ClientError && error.code === 'auth_failed');
    const abort = await router.expect('ABORT');
    assert.equal(abort.reason, 'wamp.error.authentication_failed');
    await router.closed;
  });

  it('onChallenge throwing rejects auth_failed with the cause', async () => {
    const net = new FakeNetwork({ welcome: false });
    const connecting = connect({
      url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect,
      onChallenge: () => { throw new Error('no key'); },
    });
    const router = await net.router(0);
    await router.expect('HELLO');
    router.send({ type: 'CHALLENGE', authMethod: 'cryptosign', extra: {} });
    await assert.rejects(connecting, (error: unknown) =>
      error instanceof ClientError && error.code === 'auth_failed' && /no key/.test(error.message));
  });

  it('ABORT from the router rejects with a RemoteError carrying its reason', async () => {
    const net = new FakeNetwork({ welcome: false });
    const connecting = connect({ url: 'ws://fake.test/ws', realm: 'nope', reconnect: false, connectTransport: net.connect });
    const router = await net.router(0);
    await router.expect('HELLO');
    router.send({ type: 'ABORT', details: { message: 'no realm nope' }, reason: 'wamp.error.no_such_realm' });
    await assert.rejects(connecting, (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.uri, 'wamp.error.no_such_realm');
      assert.equal(error.message, 'wamp.error.no_such_realm: no realm nope');
      return true;
    });
  });

  it('a transport failure rejects connect_failed (the first connect is not retried)', async () => {
    const net = new FakeNetwork();
    net.refuse = 5;
    await assert.rejects(
      connect({ url: 'ws://fake.test/ws', connectTransport: net.connect }),
      (error: unknown) => error instanceof ClientError && error.code === 'connect_failed' && error.retryable,
    );
    assert.equal(net.urls.length, 1);
  });

  it('no WELCOME within connectTimeoutMs rejects connect_failed and drops the connection', async () => {
    const clock = new FakeClock();
    const net = new FakeNetwork({ welcome: false });
    const connecting = connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect, clock, connectTimeoutMs: 3000 });
    const router = await net.router(0);
    await router.expect('HELLO');
    clock.advance(2999);
    assert.equal(router.unread().length, 0);
    clock.advance(1);
    await assert.rejects(connecting, (error: unknown) =>
      error instanceof ClientError && error.code === 'connect_failed' && /3000 ms/.test(error.message));
    await router.closed;
  });

  it('WELCOME twice, or a RESULT nobody waits for, is ignored', async () => {
    const { session, router } = await open();
    router.welcome();
    router.send({ type: 'RESULT', requestId: 999, details: {}, args: [1] });
    router.send({ type: 'EVENT', subscriptionId: 5, publicationId: 6, details: {} });
    router.send({ type: 'INTERRUPT', requestId: 77, options: {} });
    const pending = session.call('a.b');
    const call = await router.expect('CALL');
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: ['fine'] });
    assert.equal((await pending).value, 'fine');
    await session.close();
  });
});
