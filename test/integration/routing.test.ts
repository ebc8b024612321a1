/**
 * The router as a real process (`thoth router`), callee apps as real processes,
 * the test process calling through the SDK over every transport.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClientError, RemoteError } from '../../src/client/index.js';
import type { Child } from './support/child.js';
import { killAll } from './support/child.js';
import { invoked, startCallee, startSubscriber } from './support/apps.js';
import { rejection, within } from './support/deadline.js';
import { startRouterProcess, type RouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';

describe('a router process routes calls between processes', { timeout: 60_000 }, () => {
  const pool = new SessionPool();
  let dir: string;
  let router: RouterProcess;
  let provider: Child;
  let nester: Child;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-it-'));
    router = await startRouterProcess({ unixPath: join(dir, 'router.sock') });
    [provider, nester] = await Promise.all([
      startCallee({
        url: router.wsUrl,
        name: 'provider',
        procedures: [
          { uri: 'test.echo', behavior: 'echo' },
          { uri: 'test.slow', behavior: 'slow' },
          { uri: 'test.seq', behavior: 'seq' },
        ],
      }),
      startCallee({ url: router.rawUrl, serializer: 'msgpack', name: 'nester', procedures: [{ uri: 'test.nested', behavior: 'nested' }] }),
    ]);
  });

  after(async () => {
    await pool.closeAll();
    await Promise.all([provider?.kill(), nester?.kill()]);
    await router?.stop().catch(() => undefined);
    await killAll();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const transports = [
    { name: 'WebSocket + JSON', url: () => router.wsUrl, serializer: 'json' },
    { name: 'RawSocket TCP + MessagePack', url: () => router.rawUrl, serializer: 'msgpack' },
    { name: 'RawSocket Unix socket + MessagePack', url: () => router.unixUrl ?? '', serializer: 'msgpack' },
  ] as const;

  for (const transport of transports) {
    test(`echo through another process over ${transport.name}`, async () => {
      const session = await pool.connect(transport.url(), transport.serializer);
      const result = await within(
        session.call('test.echo', ['hi', 42, { nested: [1, null, true] }], { key: 'value' }),
        5_000,
        'the test.echo result',
      );
      assert.deepEqual(result.args, ['hi', 42, { nested: [1, null, true] }]);
      assert.deepEqual(result.kwargs, { key: 'value' });
      await session.close();
    });
  }

  test('a procedure that takes its time still answers', async () => {
    const session = await pool.connect(router.rawUrl, 'msgpack');
    const result = await within(session.call('test.slow', ['slow-1', 50]), 5_000, 'the test.slow result');
    assert.deepEqual(result.value, { slow: 'slow-1' });
    await session.close();
  });

  test('a call timeout fails the call with wamp.error.timeout and interrupts the callee', async () => {
    const session = await pool.connect(router.wsUrl);
    const call = session.call('test.slow', ['timeout-1'], {}, { timeoutMs: 300 });
    const error = await rejection(call, 5_000, 'the timed-out call');
    assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
    assert.equal(error.uri, 'wamp.error.timeout');
    const line = await provider.waitForJson((l) => l['event'] === 'interrupted' && l['token'] === 'timeout-1', { what: 'the interrupt of the timed-out invocation' });
    assert.equal(line['procedure'], 'test.slow');
    await session.close();
  });

  test('a call canceled by the caller fails at once and interrupts the callee', async () => {
    const session = await pool.connect(router.unixUrl ?? '', 'msgpack');
    const controller = new AbortController();
    const call = session.call('test.slow', ['cancel-1'], {}, { signal: controller.signal });
    await invoked(provider, 'cancel-1');
    controller.abort();
    const error = await rejection(call, 5_000, 'the canceled call');
    assert.ok(error instanceof ClientError, `expected a ClientError, got ${String(error)}`);
    assert.equal(error.code, 'canceled');
    await provider.waitForJson((l) => l['event'] === 'interrupted' && l['token'] === 'cancel-1', { what: 'the interrupt of the canceled invocation' });
    const echo = await within(session.call('test.echo', ['after cancel']), 5_000, 'a call after the cancel');
    assert.equal(echo.value, 'after cancel');
    await session.close();
  });

  test('a callee calls another app through its own session (nested call)', async () => {
    const session = await pool.connect(router.wsUrl);
    const result = await within(session.call('test.nested', ['test.echo', 'deep', 7]), 5_000, 'the nested call result');
    assert.deepEqual(result.value, { via: 'nester', args: ['deep', 7] });
    // The inner call's failure reaches the outer caller with its URI.
    const error = await rejection(session.call('test.nested', ['no.such.proc']), 5_000, 'a nested call to a missing procedure');
    assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
    assert.equal(error.uri, 'wamp.error.no_such_procedure');
    assert.match(error.message, /no\.such\.proc/);
    await session.close();
  });

  test('500 calls from one caller reach one callee in the order they were made', async () => {
    const session = await pool.connect(router.rawUrl, 'msgpack');
    const calls = Array.from({ length: 500 }, (_unused, i) => session.call('test.seq', [i]));
    const results = await within(Promise.all(calls), 15_000, '500 test.seq results');
    const answers = results.map((r) => r.value as [number, number]);
    answers.forEach(([echoed], i) => assert.equal(echoed, i, `call ${i} got the answer to call ${echoed}`));
    const first = answers[0]![1];
    answers.forEach(([, position], i) => assert.equal(position, first + i, `call ${i} was invoked as number ${position - first}`));
    await session.close();
  });

  test('500 events from one publisher arrive in order at a subscriber in another process', async () => {
    const subscriber = await startSubscriber({ url: router.unixUrl ?? '', serializer: 'msgpack', topic: 'test.ordered', count: 500 });
    const session = await pool.connect(router.wsUrl);
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < 499; i++) sent.push(session.publish('test.ordered', [i]));
    sent.push(session.publish('test.ordered', [499], {}, { acknowledge: true }));
    await within(Promise.all(sent), 10_000, 'the 500 publications');
    const line = await subscriber.waitForJson((l) => l['event'] === 'events', { what: 'the 500 events', timeoutMs: 15_000 });
    assert.deepEqual(line['values'], Array.from({ length: 500 }, (_unused, i) => i));
    const status = await subscriber.waitForExit();
    assert.equal(status.code, 0);
    await session.close();
  });
});
