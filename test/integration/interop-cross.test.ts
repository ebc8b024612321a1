import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from 'wampy';
import { asAbError, autobahn, openAutobahn, type AbResult, type AutobahnClient, type Dict, type SerializerName } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { Inbox } from './interop/waiting.js';
import { openWampy, WampyAppError, type WampyClient } from './interop/wampy.js';

/* Values of every JSON type, a negative, a float, unicode and an integer past 32 bits, to cross serializers. */
const payload = {
  args: [-7, 1.5, 'ünïcødé ✓', null, true, 2 ** 40],
  kwargs: { nested: { list: [1, 'two', { three: 3 }] }, empty: {}, none: [] },
};

describe('foreign clients talking to each other through thoth', { timeout: 10_000 }, () => {
  let running: RunningRouter;
  before(async () => {
    running = await startRouter();
  });
  after(() => running.close());

  async function autobahnClient(t: TestContext, serializer: SerializerName): Promise<AutobahnClient> {
    const client = await openAutobahn({ url: running.wsUrl, serializer });
    t.after(() => client.close());
    return client;
  }
  async function wampyClient(t: TestContext, serializer: SerializerName): Promise<WampyClient> {
    const client = await openWampy({ url: running.wsUrl, serializer });
    t.after(() => client.close());
    return client;
  }

  test('autobahn (json) calls a wampy (json) callee: args, kwargs and an application error cross', async (t) => {
    const [callee, caller] = [await wampyClient(t, 'json'), await autobahnClient(t, 'json')];
    await callee.wampy.register('com.example.echo', ({ argsList, argsDict }) => ({ argsList: argsList ?? [], argsDict: argsDict ?? {} }));
    await callee.wampy.register('com.example.refuse', ({ argsList }) => {
      throw new WampyAppError('com.example.error.refused', ['nope', ...(argsList ?? [])], { why: 'policy' });
    });
    const result = (await caller.session.call('com.example.echo', payload.args, payload.kwargs)) as AbResult;
    assert.deepEqual(result.args, payload.args);
    assert.deepEqual(result.kwargs, payload.kwargs);

    const error = await caller.session.call('com.example.refuse', [1]).then(() => assert.fail('should fail'), asAbError);
    assert.equal(error.error, 'com.example.error.refused');
    assert.deepEqual(error.args, ['nope', 1]);
    assert.deepEqual(error.kwargs, { why: 'policy' });
  });

  test('wampy (msgpack) calls an autobahn (json) callee: args, kwargs and an application error cross', async (t) => {
    const [callee, caller] = [await autobahnClient(t, 'json'), await wampyClient(t, 'msgpack')];
    await callee.session.register('com.example.echo', (args, kwargs) => new autobahn.Result(args, kwargs));
    await callee.session.register('com.example.refuse', (args) => {
      throw new autobahn.Error('com.example.error.refused', ['nope', ...args], { why: 'policy' });
    });
    // 2^40 stays out of this payload: wampy's MessagePack decoder would hand it back as a BigInt.
    const args = payload.args.slice(0, 5);
    const result = await caller.wampy.call('com.example.echo', { argsList: args, argsDict: payload.kwargs });
    assert.deepEqual(result.argsList, args);
    assert.deepEqual(result.argsDict, payload.kwargs);

    const error = await caller.wampy.call('com.example.refuse', [1]).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof Errors.CallError);
    assert.equal(error.errorUri, 'com.example.error.refused');
    assert.deepEqual(error.argsList, ['nope', 1]);
    assert.deepEqual(error.argsDict, { why: 'policy' });
  });

  test('a JSON session calls a MessagePack session and back, values intact', async (t) => {
    const [jsonSide, msgpackSide] = [await autobahnClient(t, 'json'), await autobahnClient(t, 'msgpack')];
    await msgpackSide.session.register('com.example.echo.msgpack', (args, kwargs) => new autobahn.Result(args, kwargs));
    await jsonSide.session.register('com.example.echo.json', (args, kwargs) => new autobahn.Result(args, kwargs));
    const there = (await jsonSide.session.call('com.example.echo.msgpack', payload.args, payload.kwargs)) as AbResult;
    const back = (await msgpackSide.session.call('com.example.echo.json', payload.args, payload.kwargs)) as AbResult;
    for (const result of [there, back]) {
      assert.deepEqual(result.args, payload.args);
      assert.deepEqual(result.kwargs, payload.kwargs);
    }
  });

  test('binary crosses as MessagePack bin and as JSON NUL-prefixed base64, as the spec converts it', async (t) => {
    const [jsonSide, msgpackSide] = [await autobahnClient(t, 'json'), await autobahnClient(t, 'msgpack')];
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const asJson = '\u0000' + bytes.toString('base64');
    await msgpackSide.session.register('com.example.bytes', (args) => new autobahn.Result([Buffer.isBuffer(args[0]), args[0]]));
    const result = (await jsonSide.session.call('com.example.bytes', [asJson])) as AbResult;
    assert.deepEqual(result.args, [true, asJson]);
  });

  test('wampy (json) receives progressive results from an autobahn (msgpack) callee', async (t) => {
    const [callee, caller] = [await autobahnClient(t, 'msgpack'), await wampyClient(t, 'json')];
    await callee.session.register('com.example.countdown', (args, _kwargs, details) => {
      for (let i = args[0] as number; i > 0; i--) details.progress?.([i]);
      return 'liftoff';
    });
    const progress: unknown[] = [];
    const final = await caller.wampy.call('com.example.countdown', [3], { progress_callback: (r) => void progress.push(r.argsList?.[0]) });
    assert.deepEqual(progress, [3, 2, 1]);
    assert.deepEqual(final.argsList, ['liftoff']);
  });

  test('events from a wampy publisher reach an autobahn subscriber, and back', async (t) => {
    const [ab, wa] = [await autobahnClient(t, 'msgpack'), await wampyClient(t, 'json')];
    const atAutobahn = new Inbox<{ args: unknown[]; kwargs: Dict }>();
    const atWampy = new Inbox<{ argsList: unknown[] | undefined; argsDict: Dict | undefined }>();
    await ab.session.subscribe('com.example.to_autobahn', (args, kwargs) => atAutobahn.push({ args, kwargs }));
    await wa.wampy.subscribe('com.example.to_wampy', ({ argsList, argsDict }) => atWampy.push({ argsList, argsDict }));

    await wa.wampy.publish('com.example.to_autobahn', { argsList: payload.args, argsDict: payload.kwargs });
    await ab.session.publish('com.example.to_wampy', payload.args, payload.kwargs, { acknowledge: true });

    assert.deepEqual(await atAutobahn.take(1), [{ args: payload.args, kwargs: payload.kwargs }]);
    assert.deepEqual(await atWampy.take(1), [{ argsList: payload.args, argsDict: payload.kwargs }]);
  });

  test('a prefix registration from wampy, called by autobahn: details.procedure reaches the callee', async (t) => {
    const [callee, caller] = [await wampyClient(t, 'json'), await autobahnClient(t, 'msgpack')];
    const seen = new Inbox<unknown>();
    await callee.wampy.register(
      'com.example.files',
      ({ details, argsList }) => {
        seen.push(details['procedure']);
        return { argsList: [details['procedure'], ...(argsList ?? [])] };
      },
      { match: 'prefix' },
    );
    await callee.wampy.register('com.example..status', ({ details }) => ({ argsList: [details['procedure']] }), { match: 'wildcard' });

    const result = (await caller.session.call('com.example.files.read', ['/music/a.flac'])) as AbResult;
    assert.deepEqual(result.args, ['com.example.files.read', '/music/a.flac']);
    assert.deepEqual(await seen.take(1), ['com.example.files.read']);
    assert.equal(await caller.session.call('com.example.kitchen.status'), 'com.example.kitchen.status');
  });

  test('an exact registration wins over a prefix one, whoever registered them', async (t) => {
    const [prefixCallee, exactCallee, caller] = [await wampyClient(t, 'msgpack'), await autobahnClient(t, 'json'), await autobahnClient(t, 'json')];
    await prefixCallee.wampy.register('com.example.media', () => ({ argsList: ['prefix'] }), { match: 'prefix' });
    await exactCallee.session.register('com.example.media.play', () => 'exact');
    assert.equal(await caller.session.call('com.example.media.play'), 'exact');
    assert.equal(await caller.session.call('com.example.media.pause'), 'prefix');
  });
});
