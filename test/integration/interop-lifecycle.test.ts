import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from 'wampy';
import { asAbError, openAutobahn, type AutobahnClient, type SerializerName } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { deferred, Inbox } from './interop/waiting.js';
import { openWampy, type WampyClient } from './interop/wampy.js';

describe('calls that end without an answer, and shared procedures, with foreign clients', { timeout: 10_000 }, () => {
  let running: RunningRouter;
  before(async () => {
    running = await startRouter();
  });
  after(() => running.close());

  async function ab(t: TestContext, serializer: SerializerName = 'json'): Promise<AutobahnClient> {
    const client = await openAutobahn({ url: running.wsUrl, serializer });
    t.after(() => client.close());
    return client;
  }
  async function wa(t: TestContext, serializer: SerializerName = 'json'): Promise<WampyClient> {
    const client = await openWampy({ url: running.wsUrl, serializer });
    t.after(() => client.close());
    return client;
  }

  test('a wampy callee leaving mid-call fails the autobahn caller with thoth.error.callee_gone', async (t) => {
    const [callee, caller] = [await wa(t, 'msgpack'), await ab(t)];
    const invoked = deferred<void>();
    await callee.wampy.register('com.example.hang', () => {
      invoked.resolve();
      return new Promise<never>(() => {});
    });
    const call = caller.session.call('com.example.hang');
    await invoked.promise;
    await callee.close();
    const error = await call.then(() => assert.fail('should fail'), asAbError);
    assert.equal(error.error, 'thoth.error.callee_gone');
  });

  test('autobahn cancelling a call (mode kill) to a callee without call_canceling gets wamp.error.canceled', async (t) => {
    const [callee, caller] = [await wa(t), await ab(t, 'msgpack')];
    const invoked = deferred<void>();
    await callee.wampy.register('com.example.slow', () => {
      invoked.resolve();
      return new Promise<never>(() => {});
    });
    const call = caller.session.call('com.example.slow');
    await invoked.promise;
    call.cancel({ mode: 'kill' });
    const error = await call.then(() => assert.fail('should fail'), asAbError);
    assert.equal(error.error, 'wamp.error.canceled');
  });

  test('a wampy call with a timeout to a silent autobahn callee fails with wamp.error.timeout', async (t) => {
    const [callee, caller] = [await ab(t, 'msgpack'), await wa(t)];
    await callee.session.register('com.example.silent', () => new Promise<never>(() => {}));
    const error = await caller.wampy.call('com.example.silent', [], { timeout: 50 }).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof Errors.CallError);
    assert.equal(error.errorUri, 'wamp.error.timeout');
  });

  test('autobahn and wampy share a procedure round-robin', async (t) => {
    const [first, second, caller] = [await ab(t), await wa(t, 'msgpack'), await ab(t, 'msgpack')];
    await first.session.register('com.example.shared', () => 'autobahn', { invoke: 'roundrobin' });
    await second.wampy.register('com.example.shared', () => ({ argsList: ['wampy'] }), { invoke: 'roundrobin' });
    const answers: unknown[] = [];
    for (let i = 0; i < 4; i++) answers.push(await caller.session.call('com.example.shared'));
    assert.deepEqual(answers, ['autobahn', 'wampy', 'autobahn', 'wampy']);
  });

  test('a registration with another invoke policy is refused to the foreign client with its URI', async (t) => {
    const [first, second] = [await ab(t), await wa(t)];
    await first.session.register('com.example.policy', () => 1, { invoke: 'roundrobin' });
    const error = await second.wampy.register('com.example.policy', () => ({}), { invoke: 'random' }).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof Errors.RegisterError, `got ${String(error)}`);
    assert.equal(error.errorUri, 'wamp.error.procedure_exists_with_different_invocation_policy');
  });

  test('after autobahn unregisters, a wampy caller gets wamp.error.no_such_procedure', async (t) => {
    const [callee, caller] = [await ab(t, 'msgpack'), await wa(t)];
    const registration = await callee.session.register('com.example.gone', () => 'here');
    assert.deepEqual((await caller.wampy.call('com.example.gone')).argsList, ['here']);
    await callee.session.unregister(registration);
    const error = await caller.wampy.call('com.example.gone').then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof Errors.CallError);
    assert.equal(error.errorUri, 'wamp.error.no_such_procedure');
  });

  test('a 1 MiB payload crosses RawSocket JSON, WebSocket MessagePack and WebSocket JSON intact', async (t) => {
    const big = 'x'.repeat(1024 * 1024 - 7) + 'ünïcødé';
    const callee = await ab(t, 'msgpack');
    const viaRaw = await openAutobahn({ url: running.rawUrl, serializer: 'json' });
    t.after(() => viaRaw.close());
    const viaWampy = await wa(t, 'json');
    await callee.session.register('com.example.big.echo', (args) => args[0]);
    assert.equal(await viaRaw.session.call('com.example.big.echo', [big]), big);
    assert.deepEqual((await viaWampy.wampy.call('com.example.big.echo', [big])).argsList, [big]);
  });
});

describe('router shutdown with foreign clients connected', { timeout: 10_000 }, () => {
  test('every client is told GOODBYE and leaves at once; a pending call fails with thoth.error.router_shutdown', async (t) => {
    // A long shutdown wait: if a client stayed after GOODBYE, close() would take this long.
    const shutdownTimeoutMs = 3000;
    const running = await startRouter({ shutdownTimeoutMs });
    t.after(() => running.close());
    const abJson = await openAutobahn({ url: running.wsUrl, serializer: 'json' });
    const abRaw = await openAutobahn({ url: running.rawUrl, serializer: 'json' });
    const waMsgpack = await openWampy({ url: running.wsUrl, serializer: 'msgpack' });
    t.after(() => Promise.all([abJson.close(), abRaw.close(), waMsgpack.close()]));
    const invoked = new Inbox<void>();
    await waMsgpack.wampy.register('com.example.forever', () => {
      invoked.push();
      return new Promise<never>(() => {});
    });
    // Handled at once: when.js reports a rejection nobody handles by the time it happens.
    const pending = abJson.session.call('com.example.forever').then(() => assert.fail('should fail'), asAbError);
    await invoked.take(1);

    const started = performance.now();
    await running.close();
    const elapsed = performance.now() - started;

    assert.equal((await pending).error, 'thoth.error.router_shutdown');
    /*
     * Only the GOODBYE reason is checked, not autobahn's 'closed'/'lost' verdict: over
     * WebSocket autobahn sends its GOODBYE reply asynchronously but closes the socket at
     * once (status-less close frame), so the reply is dropped, the echoed close frame
     * carries no status either, and autobahn calls that 'lost' (it wants 1000).
     */
    for (const [name, client] of [['WebSocket', abJson], ['RawSocket', abRaw]] as const) {
      const closed = await client.closed;
      assert.equal(closed.details.reason, 'wamp.close.system_shutdown', `autobahn over ${name} got the router's GOODBYE reason`);
    }
    await waMsgpack.closed;
    assert.ok(elapsed < shutdownTimeoutMs / 2, `close() took ${Math.round(elapsed)} ms: some client did not leave after GOODBYE`);
  });
});
