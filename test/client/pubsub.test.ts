import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError, RemoteError, type EventDetails } from '../../src/client/index.js';
import { open, roundTrip } from './harness.js';

describe('subscribe', () => {
  it('sends SUBSCRIBE (match for patterns) and delivers EVENTs with details', async () => {
    const { session, router } = await open();
    const seen: [unknown[], Record<string, unknown>, EventDetails][] = [];
    const pending = session.subscribe('mesh.device.', (args, kwargs, details) => { seen.push([args, kwargs, details]); }, { match: 'prefix' });
    const subscribe = await router.expect('SUBSCRIBE');
    assert.equal(subscribe.topic, 'mesh.device.');
    assert.deepEqual(subscribe.options, { match: 'prefix' });
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscriptionId: 77 });
    const subscription = await pending;
    assert.equal(subscription.id, 77);
    assert.equal(subscription.topic, 'mesh.device.');
    router.send({ type: 'EVENT', subscriptionId: 77, publicationId: 9, details: { topic: 'mesh.device.added', publisher: 5 }, args: ['d1'], kwargs: { room: 'kitchen' } });
    await roundTrip(session, router);
    assert.equal(seen.length, 1);
    const [args, kwargs, details] = seen[0]!;
    assert.deepEqual(args, ['d1']);
    assert.deepEqual(kwargs, { room: 'kitchen' });
    assert.equal(details.topic, 'mesh.device.added');
    assert.equal(details.publisher, 5);
    assert.equal(details.publicationId, 9);
    assert.equal(details.subscriptionId, 77);
    await session.close();
  });

  it('an exact subscription sends no options; ERROR rejects with its uri', async () => {
    const { session, router } = await open();
    const pending = session.subscribe('a.b', () => {});
    const subscribe = await router.expect('SUBSCRIBE');
    assert.deepEqual(subscribe.options, {});
    router.send({ type: 'ERROR', requestType: 32, requestId: subscribe.requestId, details: {}, error: 'wamp.error.not_authorized' });
    await assert.rejects(pending, (error: unknown) => error instanceof RemoteError && error.uri === 'wamp.error.not_authorized');
    await session.close();
  });

  it('an invalid topic is refused locally, before anything is sent', async () => {
    const { session, router } = await open();
    await assert.rejects(session.subscribe('bad topic', () => {}), (error: unknown) =>
      error instanceof ClientError && error.code === 'invalid_uri' && error.uri === 'wamp.error.invalid_uri');
    await assert.rejects(session.publish('a..b'), (error: unknown) => error instanceof ClientError && error.code === 'invalid_uri');
    await assert.rejects(session.call('a b'), (error: unknown) => error instanceof ClientError && error.code === 'invalid_uri');
    await assert.rejects(session.register('x.', () => 1), (error: unknown) => error instanceof ClientError && error.code === 'invalid_uri');
    await session.close();
    assert.deepEqual(router.received.map((m) => m.type), ['HELLO', 'GOODBYE']);
  });

  it('two local subscriptions share the router id; UNSUBSCRIBE goes out with the last one', async () => {
    const { session, router } = await open();
    const seen: string[] = [];
    const subscribeOne = async (name: string) => {
      const pending = session.subscribe('a.b', () => { seen.push(name); });
      const subscribe = await router.expect('SUBSCRIBE');
      router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscriptionId: 5 });
      return pending;
    };
    const one = await subscribeOne('one');
    const two = await subscribeOne('two');
    router.send({ type: 'EVENT', subscriptionId: 5, publicationId: 1, details: {} });
    await roundTrip(session, router);
    await one.unsubscribe();
    assert.equal(one.active, false);
    assert.equal(router.unread().length, 0, 'no UNSUBSCRIBE while another local subscription remains');
    router.send({ type: 'EVENT', subscriptionId: 5, publicationId: 2, details: {} });
    await roundTrip(session, router);
    const done = two.unsubscribe();
    const unsubscribe = await router.expect('UNSUBSCRIBE');
    assert.equal(unsubscribe.subscriptionId, 5);
    router.send({ type: 'UNSUBSCRIBED', requestId: unsubscribe.requestId });
    await done;
    assert.deepEqual(seen, ['one', 'two', 'two']);
    await session.close();
  });

  it('a throwing or rejecting event handler is logged and does not stop other handlers', async () => {
    const { session, router } = await open();
    const seen: string[] = [];
    const subscribeOne = async (handler: () => void | Promise<void>) => {
      const pending = session.subscribe('a.b', handler);
      const subscribe = await router.expect('SUBSCRIBE');
      router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscriptionId: 5 });
      return pending;
    };
    await subscribeOne(() => { throw new Error('boom'); });
    await subscribeOne(() => Promise.reject(new Error('async boom')));
    await subscribeOne(() => { seen.push('ok'); });
    router.send({ type: 'EVENT', subscriptionId: 5, publicationId: 1, details: {} });
    const sync = session.publish('x.y', [], {}, { acknowledge: true });
    const publish = await router.expect('PUBLISH');
    router.send({ type: 'PUBLISHED', requestId: publish.requestId, publicationId: 3 });
    await sync;
    assert.deepEqual(seen, ['ok']);
    await session.close();
  });

  it('a revocation (UNSUBSCRIBED with request 0) deactivates the subscription', async () => {
    const { session, router } = await open();
    let events = 0;
    const pending = session.subscribe('a.b', () => { events++; });
    const subscribe = await router.expect('SUBSCRIBE');
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscriptionId: 5 });
    const subscription = await pending;
    router.send({ type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: 5, reason: 'wamp.error.killed' } });
    router.send({ type: 'EVENT', subscriptionId: 5, publicationId: 1, details: {} });
    await roundTrip(session, router);
    assert.equal(subscription.active, false);
    assert.equal(events, 0);
    await subscription.unsubscribe();
    await session.close();
  });
});

describe('publish', () => {
  it('without acknowledge resolves at once; options map to the wire names', async () => {
    const { session, router } = await open();
    const result = await session.publish('a.b', [1], { k: 2 }, { excludeMe: false, exclude: [3], eligible: [4, 5], discloseMe: true });
    assert.equal(result, undefined);
    const publish = await router.expect('PUBLISH');
    assert.equal(publish.topic, 'a.b');
    assert.deepEqual(publish.args, [1]);
    assert.deepEqual(publish.kwargs, { k: 2 });
    assert.deepEqual(publish.options, { exclude_me: false, exclude: [3], eligible: [4, 5], disclose_me: true });
    await session.close();
  });

  it('with acknowledge resolves on PUBLISHED and rejects on ERROR', async () => {
    const { session, router } = await open();
    const acked = session.publish('a.b', [], {}, { acknowledge: true });
    const first = await router.expect('PUBLISH');
    assert.deepEqual(first.options, { acknowledge: true });
    router.send({ type: 'PUBLISHED', requestId: first.requestId, publicationId: 1234 });
    assert.deepEqual(await acked, { id: 1234 });

    const refused = session.publish('a.c', [], {}, { acknowledge: true });
    const second = await router.expect('PUBLISH');
    router.send({ type: 'ERROR', requestType: 16, requestId: second.requestId, details: {}, error: 'wamp.error.not_authorized' });
    await assert.rejects(refused, (error: unknown) => error instanceof RemoteError && error.uri === 'wamp.error.not_authorized');
    await session.close();
  });
});
