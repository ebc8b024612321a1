import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TicketAuthenticator } from '../../src/router/auth/ticket.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import type { Router } from '../../src/router/index.js';
import { newRouter } from '../router/harness.js';
import { answer, expectType, hello, testHash } from './helpers.js';

describe('ticket authentication', () => {
  let router: Router;
  before(async () => {
    router = newRouter({
      authenticators: [new TicketAuthenticator({ principals: [
        { authid: 'alice', role: 'user', secretHash: await testHash('alice-secret') },
        { authid: 'bob', role: 'admin', secretHash: await testHash('bob-secret') },
      ] })],
    });
  });
  after(() => router.close());

  test('the right ticket is welcomed with the principal role in WELCOME.authrole', async () => {
    for (const [authid, secret, role] of [['alice', 'alice-secret', 'user'], ['bob', 'bob-secret', 'admin']] as const) {
      const { connection, reply } = await hello(router, { authmethods: ['ticket'], authid });
      assert.deepEqual(expectType(reply, 'CHALLENGE'), { type: 'CHALLENGE', authMethod: 'ticket', extra: {} });
      const welcome = expectType(await answer(connection, secret), 'WELCOME');
      assert.equal(welcome.details['authid'], authid);
      assert.equal(welcome.details['authrole'], role);
      assert.equal(welcome.details['authmethod'], 'ticket');
      assert.equal(welcome.details['authprovider'], 'static');
    }
  });

  test('a wrong ticket and an unknown authid get the very same ABORT', async () => {
    const wrong = await hello(router, { authmethods: ['ticket'], authid: 'alice' });
    expectType(wrong.reply, 'CHALLENGE');
    const wrongAbort = expectType(await answer(wrong.connection, 'bob-secret'), 'ABORT');
    const unknown = await hello(router, { authmethods: ['ticket'], authid: 'mallory' });
    assert.deepEqual(unknown.reply, wrong.reply, 'an unknown authid is challenged like a known one');
    const unknownAbort = expectType(await answer(unknown.connection, 'alice-secret'), 'ABORT');
    assert.deepEqual(wrongAbort, { type: 'ABORT', reason: ErrorUri.authenticationFailed, details: { message: 'authentication failed' } });
    assert.deepEqual(unknownAbort, wrongAbort);
    assert.equal(wrong.connection.closed, true);
    assert.equal(unknown.connection.closed, true);
  });

  test('an empty ticket and a huge one fail the same way', async () => {
    for (const ticket of ['', 'x'.repeat(100_000)]) {
      const { connection } = await hello(router, { authmethods: ['ticket'], authid: 'alice' });
      const abort = expectType(await answer(connection, ticket), 'ABORT');
      assert.equal(abort.reason, ErrorUri.authenticationFailed);
      assert.equal(abort.details['message'], 'authentication failed');
    }
  });

  test('a HELLO without authid is refused with a clear reason', async () => {
    const { reply } = await hello(router, { authmethods: ['ticket'] });
    const abort = expectType(reply, 'ABORT');
    assert.equal(abort.reason, ErrorUri.authenticationFailed);
    assert.match(String(abort.details['message']), /authid/);
  });

  test('anonymous is not offered when only ticket is configured', async () => {
    const { reply } = await hello(router, {}, { remoteAddress: '127.0.0.1:5', isLocal: true });
    assert.equal(expectType(reply, 'ABORT').reason, ErrorUri.noAuthMethod);
  });

  test('a challenge state answers once and only for its own session', async () => {
    const authenticator = new TicketAuthenticator({ principals: [{ authid: 'alice', role: 'user', secretHash: await testHash('pw') }] });
    const request = (sessionId: number) => ({ realm: 'thoth', details: {}, authid: 'alice', sessionId, connection: { isLocal: false, remoteAddress: 'x', transport: 'memory' } });
    const message = { type: 'AUTHENTICATE' as const, signature: 'pw', extra: {} };
    const first = authenticator.hello(request(1));
    assert.equal(first.kind, 'challenge');
    const state = first.kind === 'challenge' ? first.state : undefined;
    assert.equal((await authenticator.authenticate(request(2), state, message)).kind, 'reject', 'another session');
    const second = authenticator.hello(request(3));
    const state3 = second.kind === 'challenge' ? second.state : undefined;
    assert.equal((await authenticator.authenticate(request(3), state3, message)).kind, 'welcome');
    assert.equal((await authenticator.authenticate(request(3), state3, message)).kind, 'reject', 'used twice');
  });

  test('a bad secretHash or a duplicate authid is refused at construction', async () => {
    assert.throws(() => new TicketAuthenticator({ principals: [{ authid: 'a', role: 'r', secretHash: 'plain' }] }), /"a": secretHash/);
    const hash = await testHash('pw');
    assert.throws(() => new TicketAuthenticator({ principals: [{ authid: 'a', role: 'r', secretHash: hash }, { authid: 'a', role: 'r', secretHash: hash }] }), /twice/);
  });
});
