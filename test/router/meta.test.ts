import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { join, newRouter } from './harness.js';

describe('meta API through the same call path as apps', () => {
  test('wamp.session.count / list / get', async () => {
    const router = newRouter();
    const a = await join(router);
    const b = await join(router);
    const count = await a.callAndWait('wamp.session.count');
    assert.deepEqual(count.args, [2]);
    const list = await a.callAndWait('wamp.session.list');
    assert.deepEqual(new Set(list.args?.[0] as number[]), new Set([a.sessionId, b.sessionId]));
    const get = await a.callAndWait('wamp.session.get', [b.sessionId]);
    assert.equal((get.args?.[0] as { session: number }).session, b.sessionId);
    const missing = await a.callAndWait('wamp.session.get', [12345]);
    assert.equal(missing.type === 'ERROR' && missing.error, ErrorUri.noSuchSession);
    await router.close();
  });

  test('on_join and on_leave events', async () => {
    const router = newRouter();
    const watcher = await join(router);
    await watcher.subscribe('wamp.session.on_join');
    await watcher.subscribe('wamp.session.on_leave');
    const other = await join(router);
    const joined = await watcher.next('EVENT');
    assert.equal((joined.args?.[0] as { session: number }).session, other.sessionId);
    other.connection.drop();
    const left = await watcher.next('EVENT');
    assert.equal(left.args?.[0], other.sessionId);
    await router.close();
  });

  test('registration meta: list, lookup, match, get, callees, and on_register/on_unregister events', async () => {
    const router = newRouter();
    const watcher = await join(router);
    await watcher.subscribe('wamp.registration.on_register');
    await watcher.subscribe('wamp.registration.on_unregister');
    const callee = await join(router);
    const id = await callee.register('com.example.p', { invoke: 'roundrobin' });
    const onRegister = await watcher.next('EVENT');
    assert.deepEqual(onRegister.args, [callee.sessionId, id]);
    const list = await watcher.callAndWait('wamp.registration.list');
    assert.ok((list.args?.[0] as { exact: number[] }).exact.includes(id));
    assert.deepEqual((await watcher.callAndWait('wamp.registration.lookup', ['com.example.p'])).args, [id]);
    assert.deepEqual((await watcher.callAndWait('wamp.registration.match', ['com.example.p'])).args, [id]);
    assert.deepEqual((await watcher.callAndWait('wamp.registration.lookup', ['com.example.none'])).args, [null]);
    const got = await watcher.callAndWait('wamp.registration.get', [id]);
    assert.equal((got.args?.[0] as { invoke: string }).invoke, 'roundrobin');
    assert.deepEqual((await watcher.callAndWait('wamp.registration.list_callees', [id])).args, [[callee.sessionId]]);
    assert.deepEqual((await watcher.callAndWait('wamp.registration.count_callees', [id])).args, [1]);
    callee.connection.drop();
    assert.deepEqual((await watcher.next('EVENT')).args, [callee.sessionId, id]);
    await router.close();
  });

  test('subscription meta: lookup, match, list_subscribers, count_subscribers', async () => {
    const router = newRouter();
    const s = await join(router);
    const id = await s.subscribe('com.example.t');
    const prefix = await s.subscribe('com.example.', { match: 'prefix' });
    const q = await join(router);
    assert.deepEqual((await q.callAndWait('wamp.subscription.lookup', ['com.example.t'])).args, [id]);
    assert.deepEqual((await q.callAndWait('wamp.subscription.lookup', ['com.example.', { match: 'prefix' }])).args, [prefix]);
    assert.deepEqual(new Set((await q.callAndWait('wamp.subscription.match', ['com.example.t'])).args?.[0] as number[]), new Set([id, prefix]));
    assert.deepEqual((await q.callAndWait('wamp.subscription.list_subscribers', [id])).args, [[s.sessionId]]);
    assert.deepEqual((await q.callAndWait('wamp.subscription.count_subscribers', [id])).args, [1]);
    const bad = await q.callAndWait('wamp.subscription.lookup', [42]);
    assert.equal(bad.type === 'ERROR' && bad.error, ErrorUri.invalidArgument);
    await router.close();
  });
});
