import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import {
  ClientError, connect, defineProcedure, RemoteError, Result, type ConnectOptions, type Session, type TransportConnector,
} from '../../src/client/index.js';
import { Router } from '../../src/router/index.js';
import { createMemoryPair } from '../../src/transport/index.js';

/** A connector that attaches the far end of a memory pair to whatever router `target()` returns. */
function memoryConnector(target: () => Router): TransportConnector {
  return async (_url, options) => {
    const [client, server] = createMemoryPair(options.serializer ?? 'json');
    target().attach(server);
    return client;
  };
}

describe('end to end with the thoth router (memory transport)', () => {
  let router: Router;
  const sessions: Session[] = [];
  const join = async (options: Partial<ConnectOptions> = {}): Promise<Session> => {
    const session = await connect({ url: 'memory://router', reconnect: false, connectTransport: memoryConnector(() => router), ...options });
    sessions.push(session);
    return session;
  };

  before(() => { router = new Router(); });
  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await router.close();
  });

  it('call, progressive results, errors and caller disclosure', async () => {
    const callee = await join({ serializer: 'msgpack' });
    const caller = await join();
    await callee.register('e2e.add', ([a, b]) => Number(a) + Number(b));
    await callee.register('e2e.count', async ([n], _k, details) => {
      for (let i = 1; i < Number(n); i++) details.progress([i]);
      return new Result([Number(n)], { caller: details.caller ?? null });
    });
    await callee.register('e2e.fail', () => { throw new RemoteError('app.error.nope', ['no way']); });
    await callee.register('e2e.crash', () => { throw new Error('bug'); });

    assert.equal((await caller.call('e2e.add', [2, 3])).value, 5);

    const seen: unknown[] = [];
    for await (const r of caller.callProgressive('e2e.count', [3], {}, { discloseMe: true })) seen.push([r.value, r.progress, r.kwargs['caller']]);
    assert.deepEqual(seen, [[1, true, undefined], [2, true, undefined], [3, false, caller.id]]);

    await assert.rejects(caller.call('e2e.fail'), (e: unknown) => e instanceof RemoteError && e.uri === 'app.error.nope' && e.args[0] === 'no way');
    await assert.rejects(caller.call('e2e.crash'), (e: unknown) => e instanceof RemoteError && e.uri === 'thoth.error.handler_failed' && e.args[0] === 'bug');
    await assert.rejects(caller.call('e2e.missing'), (e: unknown) => e instanceof RemoteError && e.uri === 'wamp.error.no_such_procedure');
  });

  it('cancel interrupts the callee', async () => {
    const callee = await join();
    const caller = await join();
    let interrupted!: () => void;
    const wasInterrupted = new Promise<void>((resolve) => { interrupted = resolve; });
    let started!: () => void;
    const running = new Promise<void>((resolve) => { started = resolve; });
    await callee.register('e2e.slow', (_a, _k, details) => new Promise((resolve) => {
      details.signal.addEventListener('abort', () => { interrupted(); resolve('stopped'); });
      started();
    }));
    const controller = new AbortController();
    const pending = caller.call('e2e.slow', [], {}, { signal: controller.signal });
    await running;
    controller.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof ClientError && e.code === 'canceled');
    await wasInterrupted;
  });

  it('publish and subscribe, with acknowledgement and a pattern', async () => {
    const subscriber = await join();
    const publisher = await join();
    const events: [unknown, string][] = [];
    let got!: () => void;
    const received = new Promise<void>((resolve) => { got = resolve; });
    await subscriber.subscribe('e2e.news.', (args, _k, details) => {
      events.push([args[0], details.topic]);
      got();
    }, { match: 'prefix' });
    const ack = await publisher.publish('e2e.news.sport', ['goal'], {}, { acknowledge: true });
    assert.equal(typeof ack.id, 'number');
    await received;
    assert.deepEqual(events, [['goal', 'e2e.news.sport']]);
  });

  it('typed procedures validate both ways through the router', async () => {
    const callee = await join();
    const caller = await join();
    const greet = defineProcedure({ name: 'e2e.greet', args: z.object({ name: z.string().min(1) }), result: z.string() });
    await callee.provide(greet, ({ name }) => `hello ${name}`);
    assert.equal(await caller.invoke(greet, { name: 'thoth' }), 'hello thoth');
    await assert.rejects(caller.invoke(greet, { name: '' }), (e: unknown) =>
      e instanceof RemoteError && e.uri === 'wamp.error.invalid_argument' && /"name"/.test(e.message));
  });
});

describe('end to end: reconnect to a restarted router', () => {
  it('a callee re-registers after the router restarts and serves calls again', async () => {
    let router = new Router();
    const connector = memoryConnector(() => router);
    const callee = await connect({
      url: 'memory://router', connectTransport: connector,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    });
    const registration = await callee.register('e2e.ping', () => 'pong');
    const disconnected = callee.once('disconnect');
    const reconnected = callee.once('reconnect');
    const old = router;
    router = new Router();
    await old.close();
    assert.equal((await disconnected).reason, 'wamp.close.system_shutdown');
    await reconnected;
    assert.equal(registration.active, true);
    assert.ok(registration.id > 0);
    const caller = await connect({ url: 'memory://router', reconnect: false, connectTransport: connector });
    assert.equal((await caller.call('e2e.ping')).value, 'pong');
    await Promise.all([caller.close(), callee.close()]);
    await router.close();
  });
});

describe('end to end over sockets', () => {
  for (const [kind, serializer] of [['websocket', 'json'], ['rawsocket', 'msgpack']] as const) {
    it(`${kind} (${serializer}) on 127.0.0.1, port 0`, async () => {
      const router = new Router();
      const [url] = await router.listen(kind === 'websocket' ? { websocket: { host: '127.0.0.1', port: 0 } } : { rawsocket: { host: '127.0.0.1', port: 0 } });
      assert.ok(url);
      const callee = await connect({ url, serializer, reconnect: false });
      const caller = await connect({ url, serializer, reconnect: false });
      await callee.register('e2e.echo', (args, kwargs) => new Result(args, kwargs));
      const result = await caller.call('e2e.echo', [1, 'two'], { three: 3 });
      assert.deepEqual([result.args, result.kwargs], [[1, 'two'], { three: 3 }]);
      await Promise.all([caller.close(), callee.close()]);
      await router.close();
    });
  }
});
