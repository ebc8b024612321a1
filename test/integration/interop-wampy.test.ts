import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from 'wampy';
import type { Dict, SerializerName } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { Inbox } from './interop/waiting.js';
import { openWampy, WampyAppError, type WampyClient } from './interop/wampy.js';

const serializers: SerializerName[] = ['json', 'msgpack'];

for (const serializer of serializers) {
  describe(`wampy over WebSocket (${serializer}) through thoth`, { timeout: 10_000 }, () => {
    let running: RunningRouter;
    before(async () => {
      running = await startRouter();
    });
    after(() => running.close());

    async function open(t: TestContext): Promise<WampyClient> {
      const client = await openWampy({ url: running.wsUrl, serializer });
      t.after(() => client.close());
      return client;
    }

    test('joins; the router knows the session by the id wampy got', async (t) => {
      const client = await open(t);
      assert.ok(Number.isSafeInteger(client.sessionId) && client.sessionId >= 1);
      assert.ok(running.router.realm('thoth')?.sessions.has(client.sessionId));
    });

    test('register and call: argsList and argsDict cross both ways, caller disclosed', async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      let seen: Dict = {};
      await callee.wampy.register('com.example.add', ({ argsList, argsDict, details }) => {
        seen = details;
        const [a, b] = argsList as [number, number];
        return { argsList: [a + b, 'sum'], argsDict: { echo: argsDict } };
      });
      const result = await caller.wampy.call(
        'com.example.add',
        { argsList: [2, 40], argsDict: { unit: 'apples', nested: { list: [1, 'two', null, true] } } },
        { disclose_me: true },
      );
      assert.deepEqual(result.argsList, [42, 'sum']);
      assert.deepEqual(result.argsDict, { echo: { unit: 'apples', nested: { list: [1, 'two', null, true] } } });
      assert.equal(Number(seen['caller']), caller.sessionId);
    });

    test('an application error reaches the caller with its URI, args and kwargs', async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      await callee.wampy.register('com.example.fail', () => {
        throw new WampyAppError('com.example.error.out_of_stock', ['no apples left'], { wanted: 3, have: 0 });
      });
      const error = await caller.wampy.call('com.example.fail').then(
        () => assert.fail('the call should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof Errors.CallError, `got ${String(error)}`);
      assert.equal(error.errorUri, 'com.example.error.out_of_stock');
      assert.deepEqual(error.argsList, ['no apples left']);
      assert.deepEqual(error.argsDict, { wanted: 3, have: 0 });
    });

    test('calling a procedure nobody registered fails with wamp.error.no_such_procedure', async (t) => {
      const { wampy } = await open(t);
      const error = await wampy.call('com.example.nobody_home').then(() => assert.fail('should fail'), (e: unknown) => e);
      assert.ok(error instanceof Errors.CallError);
      assert.equal(error.errorUri, 'wamp.error.no_such_procedure');
    });

    test("a wampy callee's progressive results reach a wampy caller that asked for them", async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      await callee.wampy.register('com.example.countdown', ({ argsList, result_handler }) => {
        for (let i = argsList?.[0] as number; i > 0; i--) result_handler({ argsList: [i], options: { progress: true } });
        return { argsList: ['liftoff'] };
      });
      const progress: unknown[] = [];
      const final = await caller.wampy.call('com.example.countdown', [3], { progress_callback: (r) => void progress.push(r.argsList?.[0]) });
      assert.deepEqual(progress, [3, 2, 1]);
      assert.deepEqual(final.argsList, ['liftoff']);
    });

    test('subscribe and publish: the subscriber gets args and kwargs, the publisher is excluded by default', async (t) => {
      const [publisher, subscriber] = [await open(t), await open(t)];
      const atSubscriber = new Inbox<{ argsList: unknown[] | undefined; argsDict: Dict | undefined; details: Dict }>();
      const atPublisher = new Inbox<unknown>();
      await subscriber.wampy.subscribe('com.example.news', ({ argsList, argsDict, details }) => atSubscriber.push({ argsList, argsDict, details }));
      await publisher.wampy.subscribe('com.example.news', ({ argsList }) => atPublisher.push(argsList));

      const published = await publisher.wampy.publish('com.example.news', { argsList: ['first'], argsDict: { n: 1 } });
      assert.ok(Number(published.publicationId) >= 1);
      const [event] = await atSubscriber.take(1);
      assert.deepEqual(event?.argsList, ['first']);
      assert.deepEqual(event?.argsDict, { n: 1 });

      // A second subscriber publishing proves the publisher's own subscription works, and that it
      // never saw its own first event: events on one session arrive in order.
      await subscriber.wampy.publish('com.example.news', ['from the other side']);
      assert.deepEqual(await atPublisher.take(1), [['from the other side']]);
    });

    test('a wildcard subscription gets matching topics only, with the concrete topic in details', async (t) => {
      const [publisher, subscriber] = [await open(t), await open(t)];
      const events = new Inbox<{ argsList: unknown[] | undefined; topic: unknown }>();
      await subscriber.wampy.subscribe('com.example..status', ({ argsList, details }) => events.push({ argsList, topic: details['topic'] }), { match: 'wildcard' });
      await publisher.wampy.publish('com.example.kitchen.temp', ['no match']);
      await publisher.wampy.publish('com.example.kitchen.status', ['on']);
      assert.deepEqual(await events.take(1), [{ argsList: ['on'], topic: 'com.example.kitchen.status' }]);
    });

    test('publish with exclude keeps the event from the named session only', async (t) => {
      const [publisher, left, right] = [await open(t), await open(t), await open(t)];
      const atLeft = new Inbox<unknown>();
      const atRight = new Inbox<unknown>();
      await left.wampy.subscribe('com.example.room', ({ argsList }) => atLeft.push(argsList));
      await right.wampy.subscribe('com.example.room', ({ argsList }) => atRight.push(argsList));
      await publisher.wampy.publish('com.example.room', ['not for left'], { exclude: [left.sessionId] });
      await publisher.wampy.publish('com.example.room', ['for all']);
      assert.deepEqual(await atRight.take(2), [['not for left'], ['for all']]);
      assert.deepEqual(await atLeft.take(1), [['for all']]);
    });
  });
}

describe('wampy offering only a serializer thoth does not speak', { timeout: 10_000 }, () => {
  test('CBOR is refused at the WebSocket handshake: connect rejects, no session is left behind', async (t) => {
    const running = await startRouter();
    t.after(() => running.close());
    await assert.rejects(openWampy({ url: running.wsUrl, serializer: 'cbor' }));
    assert.equal(running.router.sessionCount, 0);
  });
});
