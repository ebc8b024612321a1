import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { FakeConnection } from './fake-connection.js';
import { allRoles, join, newRouter } from './harness.js';

describe('router sessions', () => {
  test('WELCOME carries a session id in 1..2^53, the identity and the router roles', async () => {
    const router = newRouter();
    const connection = new FakeConnection();
    router.attach(connection);
    connection.deliver({ type: 'HELLO', realm: 'thoth', details: { roles: allRoles } });
    const welcome = await connection.next('WELCOME');
    assert.ok(Number.isSafeInteger(welcome.sessionId) && welcome.sessionId >= 1 && welcome.sessionId <= 2 ** 53);
    assert.equal(welcome.details['authrole'], 'local');
    assert.equal(welcome.details['authmethod'], 'anonymous');
    const roles = welcome.details['roles'] as Record<string, { features: Record<string, boolean> }>;
    assert.equal(roles['dealer']?.features['call_canceling'], true);
    assert.equal(roles['broker']?.features['pattern_based_subscription'], true);
    await router.close();
  });

  test('an unknown realm is ABORT wamp.error.no_such_realm', async () => {
    const router = newRouter();
    const connection = new FakeConnection();
    router.attach(connection);
    connection.deliver({ type: 'HELLO', realm: 'elsewhere', details: { roles: allRoles } });
    const abort = await connection.next('ABORT');
    assert.equal(abort.reason, ErrorUri.noSuchRealm);
    await connection.whenClosed();
    await router.close();
  });

  test('anonymous access from a non-loopback address is refused', async () => {
    const router = newRouter();
    const connection = new FakeConnection({ isLocal: false, remoteAddress: '192.0.2.1:5000' });
    router.attach(connection);
    connection.deliver({ type: 'HELLO', realm: 'thoth', details: { roles: allRoles } });
    assert.equal((await connection.next('ABORT')).reason, ErrorUri.notAuthorized);
    await router.close();
  });

  test('an unsupported auth method is ABORT no_auth_method', async () => {
    const router = newRouter();
    const connection = new FakeConnection();
    router.attach(connection);
    connection.deliver({ type: 'HELLO', realm: 'thoth', details: { roles: allRoles, authmethods: ['scram'] } });
    assert.equal((await connection.next('ABORT')).reason, ErrorUri.noAuthMethod);
    await router.close();
  });

  test('HELLO without roles is a protocol violation naming roles', async () => {
    const router = newRouter();
    const connection = new FakeConnection();
    router.attach(connection);
    connection.deliver({ type: 'HELLO', realm: 'thoth', details: {} });
    const abort = await connection.next('ABORT');
    assert.equal(abort.reason, ErrorUri.protocolViolation);
    assert.match(String(abort.details['message']), /roles/);
    await router.close();
  });

  for (const [name, message] of [
    ['CALL before HELLO', { type: 'CALL', requestId: 1, options: {}, procedure: 'a.b' }],
    ['a second HELLO', { type: 'HELLO', realm: 'thoth', details: { roles: allRoles } }],
    ['a router-to-client RESULT', { type: 'RESULT', requestId: 1, details: {} }],
  ] as const) {
    test(`${name} is a protocol violation; other sessions are unaffected`, async () => {
      const router = newRouter();
      const bystander = await join(router);
      await bystander.register('com.example.ok');
      const connection = new FakeConnection();
      router.attach(connection);
      if (name !== 'CALL before HELLO') {
        connection.deliver({ type: 'HELLO', realm: 'thoth', details: { roles: allRoles } });
        await connection.next('WELCOME');
      }
      connection.deliver(message);
      const abort = await connection.next('ABORT');
      assert.equal(abort.reason, ErrorUri.protocolViolation);
      await connection.whenClosed();
      const caller = await join(router);
      caller.call('com.example.ok');
      assert.ok(await bystander.next('INVOCATION'));
      await router.close();
    });
  }

  test('undecodable bytes end the session with a protocol violation that says why', async () => {
    const router = newRouter();
    const peer = await join(router);
    peer.connection.deliverGarbage('json: message is not valid JSON');
    const abort = await peer.next('ABORT');
    assert.equal(abort.reason, ErrorUri.protocolViolation);
    assert.match(String(abort.details['message']), /not valid JSON/);
    await router.close();
  });

  test('GOODBYE from the client is answered with goodbye_and_out and the session ends', async () => {
    const router = newRouter();
    const peer = await join(router);
    await peer.register('com.example.p');
    peer.send({ type: 'GOODBYE', details: {}, reason: ErrorUri.closeNormal });
    assert.equal((await peer.next('GOODBYE')).reason, ErrorUri.goodbyeAndOut);
    await peer.connection.whenClosed();
    const caller = await join(router);
    const reply = await caller.callAndWait('com.example.p');
    assert.equal(reply.type === 'ERROR' && reply.error, ErrorUri.noSuchProcedure);
    await router.close();
  });

  test('a connection that never says HELLO is closed after the hello timeout', async () => {
    const router = newRouter({ limits: { helloTimeoutMs: 20 } });
    const connection = new FakeConnection();
    router.attach(connection);
    assert.equal((await connection.next('ABORT')).reason, ErrorUri.sessionTimeout);
    await connection.whenClosed();
    assert.equal(router.sessionCount, 0);
    await router.close();
  });

  test('close is idempotent and a closed router refuses new connections', async () => {
    const router = newRouter();
    await Promise.all([router.close(), router.close()]);
    await router.close();
    const connection = new FakeConnection();
    router.attach(connection);
    assert.equal((await connection.next('ABORT')).reason, ErrorUri.systemShutdown);
  });

  test('invalid router options name the bad key', () => {
    assert.throws(() => newRouter({ limits: { maxCallsInFlight: -1 } }), /limits\.maxCallsInFlight/);
    assert.throws(() => newRouter({ realms: [] }), /realms/);
  });
});

test('a request whose only fault is a bad URI gets ERROR invalid_uri and the session goes on', async () => {
  const router = newRouter();
  const peer = await join(router);
  peer.connection.deliverGarbage('CALL: procedure "a..b" is not a valid URI', { requestType: 48, requestId: 7, error: ErrorUri.invalidUri });
  const error = await peer.next('ERROR');
  assert.equal(error.requestId, 7);
  assert.equal(error.error, ErrorUri.invalidUri);
  assert.match(String(error.args?.[0]), /a\.\.b/);
  const count = await peer.callAndWait('wamp.session.count');
  assert.deepEqual(count.args, [1]);
  await router.close();
});
