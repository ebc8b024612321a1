import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from 'wampy';
import { connect, RemoteError, Result, type CallResult, type EventDetails, type Session } from '../../src/client/index.js';
import type { SerializerName } from '../../src/codec/serializer.js';
import { asAbError, autobahn, callWithProgress, openAutobahn, type AbEvent, type AbResult, type AutobahnClient, type Dict } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { Inbox } from './interop/waiting.js';
import { openWampy, WampyAppError, type WampyClient } from './interop/wampy.js';

const payload = {
  args: [-7, 1.5, 'ünïcødé ✓', null, true, 2 ** 40],
  kwargs: { nested: { list: [1, 'two', { three: 3 }] }, empty: {} },
};

describe('the thoth SDK with foreign clients', { timeout: 10_000 }, () => {
  let running: RunningRouter;
  before(async () => {
    running = await startRouter();
  });
  after(() => running.close());

  /** The SDK over WebSocket JSON, WebSocket MessagePack or RawSocket MessagePack. */
  const sdkVariants: { name: string; url: () => string; serializer: SerializerName }[] = [
    { name: 'WebSocket json', url: () => running.wsUrl, serializer: 'json' },
    { name: 'WebSocket msgpack', url: () => running.wsUrl, serializer: 'msgpack' },
    { name: 'RawSocket msgpack', url: () => running.rawUrl, serializer: 'msgpack' },
  ];

  async function sdk(t: TestContext, variant: (typeof sdkVariants)[number]): Promise<Session> {
    const session = await connect({ url: variant.url(), serializer: variant.serializer, reconnect: false });
    t.after(() => session.close());
    return session;
  }
  async function ab(t: TestContext, serializer: 'json' | 'msgpack'): Promise<AutobahnClient> {
    const client = await openAutobahn({ url: running.wsUrl, serializer });
    t.after(() => client.close());
    return client;
  }
  async function wa(t: TestContext, serializer: 'json' | 'msgpack'): Promise<WampyClient> {
    const client = await openWampy({ url: running.wsUrl, serializer });
    t.after(() => client.close());
    return client;
  }

  for (const variant of sdkVariants) {
    const other = variant.serializer === 'json' ? 'msgpack' : 'json';

    test(`SDK (${variant.name}) calls an autobahn (${other}) callee: payload, error URI, progress, caller id`, async (t) => {
      const [callee, caller] = [await ab(t, other), await sdk(t, variant)];
      await callee.session.register('com.example.sdk.echo', (args, kwargs, details) => new autobahn.Result(args, { ...kwargs, caller: details.caller }));
      await callee.session.register('com.example.sdk.refuse', () => {
        throw new autobahn.Error('com.example.error.refused', ['nope'], { why: 'policy' });
      });
      await callee.session.register('com.example.sdk.countdown', (args, _kwargs, details) => {
        for (let i = args[0] as number; i > 0; i--) details.progress?.([i]);
        return 'liftoff';
      });

      const echoed = await caller.call('com.example.sdk.echo', payload.args, payload.kwargs, { discloseMe: true });
      assert.deepEqual(echoed.args, payload.args);
      assert.deepEqual(echoed.kwargs, { ...payload.kwargs, caller: caller.id });

      const error = await caller.call('com.example.sdk.refuse').then(() => assert.fail('should fail'), (e: unknown) => e);
      assert.ok(error instanceof RemoteError, `got ${String(error)}`);
      assert.equal(error.uri, 'com.example.error.refused');
      assert.deepEqual(error.args, ['nope']);
      assert.deepEqual(error.kwargs, { why: 'policy' });

      const progress: unknown[] = [];
      const final = await caller.call('com.example.sdk.countdown', [3], undefined, { onProgress: (r: CallResult) => progress.push(r.value) });
      assert.deepEqual(progress, [3, 2, 1]);
      assert.equal(final.value, 'liftoff');
    });

    test(`autobahn (${other}) calls an SDK (${variant.name}) callee: payload, error URI, progress, pattern procedure`, async (t) => {
      const [callee, caller] = [await sdk(t, variant), await ab(t, other)];
      await callee.register('com.example.sdk.echo', (args, kwargs, details) => new Result(args, { ...kwargs, caller: details.caller ?? null }));
      await callee.register('com.example.sdk.refuse', () => {
        throw new RemoteError('com.example.error.refused', ['nope'], { why: 'policy' });
      });
      await callee.register('com.example.sdk.countdown', (args, _kwargs, details) => {
        for (let i = args[0] as number; i > 0; i--) details.progress([i]);
        return 'liftoff';
      });
      await callee.register('com.example.sdk.files', (_args, _kwargs, details) => details.procedure, { match: 'prefix' });

      const echoed = (await caller.session.call('com.example.sdk.echo', payload.args, payload.kwargs, { disclose_me: true })) as AbResult;
      assert.deepEqual(echoed.args, payload.args);
      assert.deepEqual(echoed.kwargs, { ...payload.kwargs, caller: caller.session.id });

      const error = await caller.session.call('com.example.sdk.refuse').then(() => assert.fail('should fail'), asAbError);
      assert.equal(error.error, 'com.example.error.refused');
      assert.deepEqual(error.args, ['nope']);
      assert.deepEqual(error.kwargs, { why: 'policy' });

      const progress: unknown[] = [];
      assert.equal(await callWithProgress(caller.session, 'com.example.sdk.countdown', [3], (update) => progress.push(update)), 'liftoff');
      assert.deepEqual(progress, [3, 2, 1]);

      assert.equal(await caller.session.call('com.example.sdk.files.read'), 'com.example.sdk.files.read');
    });

    test(`events cross between the SDK (${variant.name}) and autobahn (${other}) both ways, publisher disclosed`, async (t) => {
      const [session, client] = [await sdk(t, variant), await ab(t, other)];
      const atSdk = new Inbox<{ args: unknown[]; kwargs: Dict; details: EventDetails }>();
      const atAutobahn = new Inbox<{ args: unknown[]; kwargs: Dict; details: AbEvent }>();
      await session.subscribe('com.example.sdk.to_sdk', (args, kwargs, details) => atSdk.push({ args, kwargs, details }));
      await client.session.subscribe('com.example.sdk.to_autobahn', (args, kwargs, details) => atAutobahn.push({ args, kwargs, details }));

      const fromAutobahn = await client.session.publish('com.example.sdk.to_sdk', payload.args, payload.kwargs, { acknowledge: true, disclose_me: true });
      const fromSdk = await session.publish('com.example.sdk.to_autobahn', payload.args, payload.kwargs, { acknowledge: true, discloseMe: true });

      const [atSdkEvent] = await atSdk.take(1);
      assert.deepEqual([atSdkEvent?.args, atSdkEvent?.kwargs], [payload.args, payload.kwargs]);
      assert.equal(atSdkEvent?.details.publisher, client.session.id);
      assert.equal(atSdkEvent?.details.publicationId, fromAutobahn?.id);

      const [atAbEvent] = await atAutobahn.take(1);
      assert.deepEqual([atAbEvent?.args, atAbEvent?.kwargs], [payload.args, payload.kwargs]);
      assert.equal(atAbEvent?.details.publisher, session.id);
      assert.equal(atAbEvent?.details.publication, fromSdk.id);
    });
  }

  test('wampy (json) and the SDK (RawSocket msgpack) call each other', async (t) => {
    const [session, client] = [await sdk(t, sdkVariants[2]!), await wa(t, 'json')];
    await session.register('com.example.sdk.double', ([n]) => Number(n) * 2);
    await client.wampy.register('com.example.wampy.refuse', () => {
      throw new WampyAppError('com.example.error.refused', ['nope'], { why: 'policy' });
    });
    const doubled = await client.wampy.call('com.example.sdk.double', [21]);
    assert.deepEqual(doubled.argsList, [42]);
    const error = await session.call('com.example.wampy.refuse').then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.uri, 'com.example.error.refused');
    assert.deepEqual(error.kwargs, { why: 'policy' });

    await session.register('com.example.sdk.refuse', () => {
      throw new RemoteError('com.example.error.refused', ['nope']);
    });
    const back = await client.wampy.call('com.example.sdk.refuse').then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(back instanceof Errors.CallError);
    assert.equal(back.errorUri, 'com.example.error.refused');
  });
});
