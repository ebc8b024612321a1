import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { asAbError, autobahn, callWithProgress, openAutobahn, type AbEvent, type AutobahnClient, type Dict, type SerializerName } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { Inbox } from './interop/waiting.js';

const serializers: SerializerName[] = ['json', 'msgpack'];

for (const serializer of serializers) {
  describe(`autobahn-js over WebSocket (${serializer}) through thoth`, { timeout: 10_000 }, () => {
    let running: RunningRouter;
    before(async () => {
      running = await startRouter();
    });
    after(() => running.close());

    async function open(t: TestContext): Promise<AutobahnClient> {
      const client = await openAutobahn({ url: running.wsUrl, serializer });
      t.after(() => client.close());
      return client;
    }

    test('joins with the serializer it asked for and sees thoth as the router', async (t) => {
      const { session, details } = await open(t);
      assert.ok(Number.isSafeInteger(session.id) && session.id >= 1, `session id ${session.id}`);
      assert.equal(details['realm'], 'thoth');
      assert.equal((details['transport'] as Dict)['protocol'], `wamp.2.${serializer}`);
      assert.ok(running.router.realm('thoth')?.sessions.has(session.id), 'the router knows the session by the id autobahn got');
    });

    test('register and call: args and kwargs cross both ways, caller disclosed', async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      let seenCaller: number | undefined;
      await callee.session.register('com.example.add', (args, kwargs, details) => {
        seenCaller = details.caller;
        const [a, b] = args as [number, number];
        return new autobahn.Result([a + b, 'sum'], { echo: kwargs, procedure: details.procedure });
      });
      const result = (await caller.session.call('com.example.add', [2, 40], { unit: 'apples', nested: { list: [1, 'two', null, true] } }, { disclose_me: true })) as {
        args: unknown[];
        kwargs: Dict;
      };
      assert.deepEqual(result.args, [42, 'sum']);
      assert.deepEqual(result.kwargs, { echo: { unit: 'apples', nested: { list: [1, 'two', null, true] } }, procedure: 'com.example.add' });
      assert.equal(seenCaller, caller.session.id);
    });

    test('a single positional result arrives as the plain value', async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      await callee.session.register('com.example.upper', (args) => String(args[0]).toUpperCase());
      assert.equal(await caller.session.call('com.example.upper', ['thoth']), 'THOTH');
    });

    test('an application error reaches the caller with its URI, args and kwargs', async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      await callee.session.register('com.example.fail', () => {
        throw new autobahn.Error('com.example.error.out_of_stock', ['no apples left'], { wanted: 3, have: 0 });
      });
      const error = await caller.session.call('com.example.fail', []).then(
        () => assert.fail('the call should have failed'),
        asAbError,
      );
      assert.equal(error.error, 'com.example.error.out_of_stock');
      assert.deepEqual(error.args, ['no apples left']);
      assert.deepEqual(error.kwargs, { wanted: 3, have: 0 });
    });

    test('calling a procedure nobody registered fails with wamp.error.no_such_procedure', async (t) => {
      const { session } = await open(t);
      const error = await session.call('com.example.nobody_home').then(() => assert.fail('should fail'), asAbError);
      assert.equal(error.error, 'wamp.error.no_such_procedure');
    });

    test('progressive results arrive in order before the final result', async (t) => {
      const [callee, caller] = [await open(t), await open(t)];
      await callee.session.register('com.example.countdown', (args, _kwargs, details) => {
        const from = args[0] as number;
        assert.ok(details.progress, 'the invocation offers progress to the callee');
        for (let i = from; i > 0; i--) details.progress?.([i]);
        return 'liftoff';
      });
      const progress: unknown[] = [];
      const final = await callWithProgress(caller.session, 'com.example.countdown', [3], (update) => progress.push(update));
      assert.deepEqual(progress, [3, 2, 1]);
      assert.equal(final, 'liftoff');
    });

    test('subscribe and acknowledged publish; the publisher is excluded unless it opts in', async (t) => {
      const [publisher, subscriber] = [await open(t), await open(t)];
      const atSubscriber = new Inbox<{ args: unknown[]; kwargs: Dict; details: AbEvent }>();
      const atPublisher = new Inbox<unknown[]>();
      await subscriber.session.subscribe('com.example.news', (args, kwargs, details) => atSubscriber.push({ args, kwargs, details }));
      await publisher.session.subscribe('com.example.news', (args) => atPublisher.push(args));

      const first = await publisher.session.publish('com.example.news', ['first'], { n: 1 }, { acknowledge: true });
      const second = await publisher.session.publish('com.example.news', ['second'], { n: 2 }, { acknowledge: true, exclude_me: false });
      assert.ok(first && second);
      assert.ok(Number.isSafeInteger(first.id) && first.id >= 1);

      const events = await atSubscriber.take(2);
      assert.deepEqual(events.map((e) => [e.args, e.kwargs]), [[['first'], { n: 1 }], [['second'], { n: 2 }]]);
      assert.equal(events[0]?.details.publication, first.id);
      assert.equal(events[1]?.details.publication, second.id);
      // Events on one session arrive in order: had the first one reached the publisher, it would come first.
      assert.deepEqual(await atPublisher.take(1), [['second']]);
    });

    test('a prefix subscription gets every topic under it, with the concrete topic in details', async (t) => {
      const [publisher, subscriber] = [await open(t), await open(t)];
      const events = new Inbox<{ args: unknown[]; topic: string }>();
      await subscriber.session.subscribe('com.example.sensors', (args, _kwargs, details) => events.push({ args, topic: details.topic }), { match: 'prefix' });
      await publisher.session.publish('com.example.sensors.kitchen.temp', [21.5], undefined, { acknowledge: true });
      await publisher.session.publish('com.example.sensors.hall', [true], undefined, { acknowledge: true });
      assert.deepEqual(await events.take(2), [
        { args: [21.5], topic: 'com.example.sensors.kitchen.temp' },
        { args: [true], topic: 'com.example.sensors.hall' },
      ]);
    });

    test('publish with exclude keeps the event from the named session only', async (t) => {
      const [publisher, left, right] = [await open(t), await open(t), await open(t)];
      const atLeft = new Inbox<unknown[]>();
      const atRight = new Inbox<unknown[]>();
      await left.session.subscribe('com.example.room', (args) => atLeft.push(args));
      await right.session.subscribe('com.example.room', (args) => atRight.push(args));
      await publisher.session.publish('com.example.room', ['not for left'], undefined, { acknowledge: true, exclude: [left.session.id] });
      await publisher.session.publish('com.example.room', ['for all'], undefined, { acknowledge: true });
      assert.deepEqual(await atRight.take(2), [['not for left'], ['for all']]);
      assert.deepEqual(await atLeft.take(1), [['for all']]);
    });
  });
}

describe('autobahn-js over RawSocket (json) through thoth', { timeout: 10_000 }, () => {
  let running: RunningRouter;
  before(async () => {
    running = await startRouter();
  });
  after(() => running.close());

  test('a RawSocket session calls a WebSocket session and gets its result', async (t) => {
    const callee = await openAutobahn({ url: running.wsUrl, serializer: 'msgpack' });
    t.after(() => callee.close());
    const caller = await openAutobahn({ url: running.rawUrl, serializer: 'json' });
    t.after(() => caller.close());
    await callee.session.register('com.example.where', (_args, _kwargs, details) => ['from', details.caller]);
    assert.deepEqual(await caller.session.call('com.example.where', [], undefined, { disclose_me: true }), ['from', caller.session.id]);
  });
});
