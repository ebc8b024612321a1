import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { join, newRouter } from './harness.js';

describe('broker: publish and subscribe', () => {
  test('an event reaches every subscriber with its payload, and not the publisher by default', async () => {
    const router = newRouter();
    const a = await join(router);
    const b = await join(router);
    const subA = await a.subscribe('com.example.news');
    const subB = await b.subscribe('com.example.news');
    assert.equal(subA, subB, 'one subscription per topic, shared by its subscribers');
    await a.subscribe('com.example.news');
    a.send({ type: 'PUBLISH', requestId: a.nextId(), options: { acknowledge: true }, topic: 'com.example.news', args: ['hi'], kwargs: { n: 1 } });
    const published = await a.next('PUBLISHED');
    const event = await b.next('EVENT');
    assert.equal(event.publicationId, published.publicationId);
    assert.deepEqual(event.args, ['hi']);
    assert.deepEqual(event.kwargs, { n: 1 });
    assert.equal(a.connection.pending().length, 0, 'exclude_me is the default');
    await router.close();
  });

  test('exclude_me: false delivers to the publisher too; disclose_me names it', async () => {
    const router = newRouter();
    const a = await join(router);
    await a.subscribe('com.example.t');
    a.send({ type: 'PUBLISH', requestId: a.nextId(), options: { exclude_me: false, disclose_me: true }, topic: 'com.example.t' });
    const event = await a.next('EVENT');
    assert.equal(event.details['publisher'], a.sessionId);
    await router.close();
  });

  test('prefix and wildcard subscriptions get events with details.topic', async () => {
    const router = newRouter();
    const s = await join(router);
    const prefix = await s.subscribe('com.example.', { match: 'prefix' });
    const wildcard = await s.subscribe('com..news', { match: 'wildcard' });
    const p = await join(router);
    p.send({ type: 'PUBLISH', requestId: p.nextId(), options: {}, topic: 'com.example.news' });
    const events = [await s.next('EVENT'), await s.next('EVENT')];
    assert.deepEqual(new Set(events.map((e) => e.subscriptionId)), new Set([prefix, wildcard]));
    for (const e of events) assert.equal(e.details['topic'], 'com.example.news');
    await router.close();
  });

  test('eligible and exclude lists choose receivers by session id', async () => {
    const router = newRouter();
    const [a, b, c] = [await join(router), await join(router), await join(router)];
    for (const s of [a, b, c]) await s.subscribe('com.example.t');
    const p = await join(router);
    p.send({ type: 'PUBLISH', requestId: p.nextId(), options: { eligible: [a.sessionId, b.sessionId], exclude: [b.sessionId], acknowledge: true }, topic: 'com.example.t' });
    await p.next('PUBLISHED');
    await a.next('EVENT');
    assert.equal(b.connection.pending().length, 0);
    assert.equal(c.connection.pending().length, 0);
    await router.close();
  });

  test('a malformed list option is a clear error to the publisher', async () => {
    const router = newRouter();
    const p = await join(router);
    p.send({ type: 'PUBLISH', requestId: p.nextId(), options: { eligible: 'everyone', acknowledge: true }, topic: 'com.example.t' });
    const error = await p.next('ERROR');
    assert.equal(error.error, ErrorUri.invalidArgument);
    assert.match(String(error.args?.[0]), /eligible/);
    await router.close();
  });

  test('unsubscribe stops delivery; unsubscribing twice is no_such_subscription', async () => {
    const router = newRouter();
    const s = await join(router);
    const id = await s.subscribe('com.example.t');
    s.send({ type: 'UNSUBSCRIBE', requestId: s.nextId(), subscriptionId: id });
    await s.next('UNSUBSCRIBED');
    s.send({ type: 'UNSUBSCRIBE', requestId: s.nextId(), subscriptionId: id });
    assert.equal((await s.next('ERROR')).error, ErrorUri.noSuchSubscription);
    const p = await join(router);
    p.send({ type: 'PUBLISH', requestId: p.nextId(), options: { acknowledge: true }, topic: 'com.example.t' });
    await p.next('PUBLISHED');
    assert.equal(s.connection.pending().length, 0);
    await router.close();
  });

  test('events from one publisher arrive in order', async () => {
    const router = newRouter();
    const s = await join(router);
    await s.subscribe('com.example.seq');
    const p = await join(router);
    for (let i = 0; i < 200; i++) p.send({ type: 'PUBLISH', requestId: p.nextId(), options: {}, topic: 'com.example.seq', args: [i] });
    for (let i = 0; i < 200; i++) assert.deepEqual((await s.next('EVENT')).args, [i]);
    await router.close();
  });
});
