import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallResult, ClientError, RemoteError } from '../../src/client/index.js';
import { FakeClock } from './fake-clock.js';
import { open } from './harness.js';

describe('call', () => {
  it('sends CALL with args, kwargs and no options by default; resolves with the RESULT', async () => {
    const { session, router } = await open();
    const pending = session.call('math.add', [2, 3], { round: true });
    const call = await router.expect('CALL');
    assert.equal(call.procedure, 'math.add');
    assert.deepEqual(call.args, [2, 3]);
    assert.deepEqual(call.kwargs, { round: true });
    assert.deepEqual(call.options, {});
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: [5, 'extra'], kwargs: { k: 1 } });
    const result = await pending;
    assert.ok(result instanceof CallResult);
    assert.equal(result.value, 5);
    assert.deepEqual(result.args, [5, 'extra']);
    assert.deepEqual(result.kwargs, { k: 1 });
    assert.equal(result.progress, false);
    await session.close();
  });

  it('a RESULT for no pending call, or a second RESULT for one, is ignored', async () => {
    const { session, router } = await open();
    const first = session.call('a.b');
    const call = await router.expect('CALL');
    router.send({ type: 'RESULT', requestId: 999, details: {}, args: ['stray'] });
    router.send({ type: 'RESULT', requestId: 999, details: { progress: true }, args: ['stray progress'] });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: ['one'] });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: ['two'] });
    assert.equal((await first).value, 'one');
    const second = session.call('a.b');
    const next = await router.expect('CALL');
    router.send({ type: 'RESULT', requestId: next.requestId, details: {}, args: ['three'] });
    assert.equal((await second).value, 'three');
    await session.close();
  });

  it('request ids count up from 1 in one session', async () => {
    const { session, router } = await open();
    void session.call('a.b').catch(() => {});
    void session.call('a.b').catch(() => {});
    assert.equal((await router.expect('CALL')).requestId, 1);
    assert.equal((await router.expect('CALL')).requestId, 2);
    await session.close();
  });

  it('maps options: timeout, disclose_me, _device, _select, receive_progress', async () => {
    const { session, router } = await open();
    const pending = session.call('media.play', [], {}, {
      timeoutMs: 5000, discloseMe: true, device: 'living-room', select: { kind: 'speaker' }, onProgress: () => {},
    });
    const call = await router.expect('CALL');
    assert.deepEqual(call.options, {
      timeout: 5000, disclose_me: true, _device: 'living-room', _select: { kind: 'speaker' }, receive_progress: true,
    });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {} });
    assert.equal((await pending).value, undefined);
    await session.close();
  });

  it('uses the session callTimeoutMs when the call sets none', async () => {
    const { session, router } = await open({ callTimeoutMs: 1234 });
    void session.call('a.b').catch(() => {});
    assert.equal((await router.expect('CALL')).options['timeout'], 1234);
    await session.close();
  });

  it('ERROR rejects with a RemoteError carrying uri, args, kwargs, details', async () => {
    const { session, router } = await open();
    const pending = session.call('fs.read');
    const call = await router.expect('CALL');
    router.send({
      type: 'ERROR', requestType: 48, requestId: call.requestId, details: { x: 1 },
      error: 'app.error.not_found', args: ['no such file'], kwargs: { path: '/a' },
    });
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.uri, 'app.error.not_found');
      assert.equal(error.message, 'app.error.not_found: no such file');
      assert.deepEqual(error.args, ['no such file']);
      assert.deepEqual(error.kwargs, { path: '/a' });
      assert.deepEqual(error.details, { x: 1 });
      return true;
    });
    await session.close();
  });

  it('abort sends CANCEL (killnowait by default) and rejects canceled at once', async () => {
    const { session, router } = await open();
    const controller = new AbortController();
    const pending = session.call('slow.op', [], {}, { signal: controller.signal });
    const call = await router.expect('CALL');
    controller.abort();
    await assert.rejects(pending, (error: unknown) =>
      error instanceof ClientError && error.code === 'canceled' && error.uri === 'wamp.error.canceled');
    const cancel = await router.expect('CANCEL');
    assert.equal(cancel.requestId, call.requestId);
    assert.deepEqual(cancel.options, { mode: 'killnowait' });
    // The router's late ERROR for the canceled call is ignored.
    router.send({ type: 'ERROR', requestType: 48, requestId: call.requestId, details: {}, error: 'wamp.error.canceled' });
    await session.close();
  });

  it("cancelMode 'kill' waits for the router's answer", async () => {
    const { session, router } = await open();
    const controller = new AbortController();
    const pending = session.call('slow.op', [], {}, { signal: controller.signal, cancelMode: 'kill' });
    const call = await router.expect('CALL');
    controller.abort();
    assert.deepEqual((await router.expect('CANCEL')).options, { mode: 'kill' });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: ['finished first'] });
    assert.equal((await pending).value, 'finished first');
    await session.close();
  });

  it('an already aborted signal sends nothing', async () => {
    const { session, router } = await open();
    await assert.rejects(
      session.call('a.b', [], {}, { signal: AbortSignal.abort() }),
      (error: unknown) => error instanceof ClientError && error.code === 'canceled',
    );
    await session.close();
    assert.deepEqual(router.received.map((m) => m.type), ['HELLO', 'GOODBYE']);
  });

  it('keeps a local deadline 1 s after the router timeout; past it rejects timeout and sends CANCEL', async () => {
    const clock = new FakeClock();
    const { session, router } = await open({ clock });
    const pending = session.call('a.b', [], {}, { timeoutMs: 500 });
    const call = await router.expect('CALL');
    assert.equal(call.options['timeout'], 500);
    clock.advance(1499);
    let settled = false;
    pending.then(() => { settled = true; }, () => { settled = true; });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    clock.advance(1);
    await assert.rejects(pending, (error: unknown) =>
      error instanceof ClientError && error.code === 'timeout' && error.uri === 'wamp.error.timeout');
    assert.deepEqual((await router.expect('CANCEL')).options, { mode: 'killnowait' });
    await session.close();
  });

  it('a router timeout ERROR arrives first and wins', async () => {
    const clock = new FakeClock();
    const { session, router } = await open({ clock });
    const pending = session.call('a.b', [], {}, { timeoutMs: 500 });
    const call = await router.expect('CALL');
    router.send({ type: 'ERROR', requestType: 48, requestId: call.requestId, details: {}, error: 'wamp.error.timeout' });
    await assert.rejects(pending, (error: unknown) => error instanceof RemoteError && error.uri === 'wamp.error.timeout');
    assert.deepEqual(clock.pendingDelays(), [], 'the local deadline is cleared');
    await session.close();
  });

  it('onProgress receives progressive results; the call resolves with the final one', async () => {
    const { session, router } = await open();
    const progress: unknown[] = [];
    const pending = session.call('count', [], {}, { onProgress: (r) => progress.push(r.value) });
    const call = await router.expect('CALL');
    assert.equal(call.options['receive_progress'], true);
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [1] });
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [2] });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: ['done'] });
    assert.equal((await pending).value, 'done');
    assert.deepEqual(progress, [1, 2]);
    await session.close();
  });
});

describe('unsendable messages', () => {
  it('a CALL the serializer cannot encode rejects send_failed instead of hanging', async () => {
    const { session, router } = await open();
    await assert.rejects(session.call('a.b', [10n]), (error: unknown) => error instanceof ClientError && error.code === 'send_failed');
    await assert.rejects(session.publish('a.b', [10n]), (error: unknown) => error instanceof ClientError && error.code === 'send_failed');
    await session.close();
    assert.deepEqual(router.received.map((m) => m.type), ['HELLO', 'GOODBYE']);
  });

  it('a handler result that cannot be encoded is answered with handler_failed', async () => {
    const { session, router } = await open();
    const registering = session.register('a.big', () => 10n);
    const register = await router.expect('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    await registering;
    router.send({ type: 'INVOCATION', requestId: 3, registrationId: 1, details: {} });
    const error = await router.expect('ERROR');
    assert.deepEqual([error.requestId, error.error], [3, 'thoth.error.handler_failed']);
    assert.match(String(error.args?.[0]), /could not be sent/);
    await session.close();
  });
});

describe('callProgressive', () => {
  it('iterates progressive results then the final one', async () => {
    const { session, router } = await open();
    const stream = session.callProgressive('count', [3]);
    const call = await router.expect('CALL');
    assert.equal(call.options['receive_progress'], true);
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [1] });
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [2] });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: [3] });
    const seen: [unknown, boolean][] = [];
    for await (const result of stream) seen.push([result.value, result.progress]);
    assert.deepEqual(seen, [[1, true], [2, true], [3, false]]);
    await session.close();
  });

  it('throws the call error from the iteration', async () => {
    const { session, router } = await open();
    const stream = session.callProgressive('count');
    const call = await router.expect('CALL');
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [1] });
    router.send({ type: 'ERROR', requestType: 48, requestId: call.requestId, details: {}, error: 'app.error.broken' });
    const seen: unknown[] = [];
    await assert.rejects(async () => {
      for await (const result of stream) seen.push(result.value);
    }, (error: unknown) => error instanceof RemoteError && error.uri === 'app.error.broken');
    assert.deepEqual(seen, [1]);
    await session.close();
  });

  it('leaving the loop early sends CANCEL', async () => {
    const { session, router } = await open();
    const stream = session.callProgressive('stream.forever');
    const call = await router.expect('CALL');
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: ['a'] });
    for await (const result of stream) {
      assert.equal(result.value, 'a');
      break;
    }
    const cancel = await router.expect('CANCEL');
    assert.equal(cancel.requestId, call.requestId);
    await session.close();
  });
});
