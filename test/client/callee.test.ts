import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ClientError, RemoteError, Result, type InvocationDetails } from '../../src/client/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { FakeRouter } from './fake-router.js';
import { open } from './harness.js';

/** Register `procedure` and answer the REGISTER with registration id `registrationId`. */
async function registered(
  session: Awaited<ReturnType<typeof open>>['session'],
  router: FakeRouter,
  procedure: string,
  handler: Parameters<typeof session.register>[1],
  registrationId = 500,
  options: Parameters<typeof session.register>[2] = {},
) {
  const pending = session.register(procedure, handler, options);
  const register = await router.expect('REGISTER');
  router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId });
  return pending;
}

function invoke(router: FakeRouter, requestId: number, registrationId: number, args: unknown[] = [], kwargs = {}, details = {}) {
  router.send({ type: 'INVOCATION', requestId, registrationId, details, args, kwargs });
}

function lines(): { stream: Writable; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') entries.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { stream, entries };
}

describe('register', () => {
  it('sends REGISTER with match and invoke; resolves with a Registration', async () => {
    const { session, router } = await open();
    const pending = session.register('media.', () => 1, { match: 'prefix', invoke: 'roundrobin' });
    const register = await router.expect('REGISTER');
    assert.equal(register.procedure, 'media.');
    assert.deepEqual(register.options, { match: 'prefix', invoke: 'roundrobin' });
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 42 });
    const registration = await pending;
    assert.equal(registration.id, 42);
    assert.equal(registration.procedure, 'media.');
    assert.equal(registration.active, true);
    await session.close();
  });

  it('an exact registration sends no options; an ERROR rejects with its uri', async () => {
    const { session, router } = await open();
    const pending = session.register('a.b', () => 1);
    const register = await router.expect('REGISTER');
    assert.deepEqual(register.options, {});
    router.send({ type: 'ERROR', requestType: 64, requestId: register.requestId, details: {}, error: 'wamp.error.procedure_already_exists' });
    await assert.rejects(pending, (error: unknown) => error instanceof RemoteError && error.uri === 'wamp.error.procedure_already_exists');
    await session.close();
  });

  it('unregister sends UNREGISTER and resolves on UNREGISTERED; a second call does nothing', async () => {
    const { session, router } = await open();
    const registration = await registered(session, router, 'a.b', () => 1, 7);
    const done = registration.unregister();
    const unregister = await router.expect('UNREGISTER');
    assert.equal(unregister.registrationId, 7);
    assert.equal(registration.active, false);
    router.send({ type: 'UNREGISTERED', requestId: unregister.requestId });
    await done;
    await registration.unregister();
    await session.close();
    assert.deepEqual(router.unread().map((m) => m.type), ['GOODBYE']);
  });

  it('a revocation by the router (UNREGISTERED with request 0) deactivates the registration', async () => {
    const { session, router } = await open();
    const registration = await registered(session, router, 'a.b', () => 1, 7);
    router.send({ type: 'UNREGISTERED', requestId: 0, details: { registration: 7, reason: 'wamp.error.killed' } });
    invoke(router, 1, 7);
    const error = await router.expect('ERROR');
    assert.equal(error.error, 'wamp.error.no_such_registration');
    assert.equal(registration.active, false);
    await session.close();
  });
});

describe('invocation', () => {
  it('a plain return value is sent as YIELD args [value]', async () => {
    const { session, router } = await open();
    const calls: unknown[] = [];
    await registered(session, router, 'math.add', (args, kwargs) => {
      calls.push([args, kwargs]);
      return Number(args[0]) + Number(args[1]);
    });
    invoke(router, 9, 500, [2, 3], { k: 'v' });
    const y = await router.expect('YIELD');
    assert.equal(y.requestId, 9);
    assert.deepEqual(y.args, [5]);
    assert.deepEqual(y.options, {});
    assert.deepEqual(calls, [[[2, 3], { k: 'v' }]]);
    await session.close();
  });

  it('a Result is sent as is; undefined sends no args', async () => {
    const { session, router } = await open();
    await registered(session, router, 'a.many', () => new Result([1, 2], { total: 3 }), 1);
    await registered(session, router, 'a.none', async () => undefined, 2);
    invoke(router, 1, 1);
    const many = await router.expect('YIELD');
    assert.deepEqual([many.args, many.kwargs], [[1, 2], { total: 3 }]);
    invoke(router, 2, 2);
    const none = await router.expect('YIELD');
    assert.deepEqual(none.args ?? [], []);
    await session.close();
  });

  it('a thrown plain Error becomes thoth.error.handler_failed with the message, and is logged', async () => {
    const { stream, entries } = lines();
    const { session, router } = await open({ logger: createLogger({ level: 'error', destination: stream }) });
    await registered(session, router, 'a.fail', () => { throw new Error('disk on fire'); });
    invoke(router, 3, 500);
    const error = await router.expect('ERROR');
    assert.equal(error.requestType, 68);
    assert.equal(error.requestId, 3);
    assert.equal(error.error, 'thoth.error.handler_failed');
    assert.deepEqual(error.args, ['disk on fire']);
    await session.close();
    const logged = entries.find((e) => e['msg'] === 'handler failed');
    assert.ok(logged, 'the original error is logged');
    assert.equal((logged['err'] as { message: string }).message, 'disk on fire');
  });

  it('a rejected non-Error value becomes handler_failed too', async () => {
    const { session, router } = await open();
    await registered(session, router, 'a.fail', () => Promise.reject('just a string'));
    invoke(router, 3, 500);
    const error = await router.expect('ERROR');
    assert.equal(error.error, 'thoth.error.handler_failed');
    assert.deepEqual(error.args, ['just a string']);
    await session.close();
  });

  it('a thrown RemoteError (or any error with a uri) keeps its uri, args and kwargs', async () => {
    const { session, router } = await open();
    await registered(session, router, 'a.remote', () => { throw new RemoteError('app.error.denied', ['no'], { who: 'x' }); }, 1);
    await registered(session, router, 'a.coded', () => { throw Object.assign(new Error('gone'), { uri: 'app.error.gone' }); }, 2);
    invoke(router, 1, 1);
    const first = await router.expect('ERROR');
    assert.deepEqual([first.error, first.args, first.kwargs], ['app.error.denied', ['no'], { who: 'x' }]);
    invoke(router, 2, 2);
    const second = await router.expect('ERROR');
    assert.deepEqual([second.error, second.args], ['app.error.gone', ['gone']]);
    await session.close();
  });

  it('details carry caller, procedure (for patterns), timeout; progress() sends progressive YIELDs when asked', async () => {
    const { session, router } = await open();
    let seen: InvocationDetails | undefined;
    await registered(session, router, 'media.', async (_a, _k, details) => {
      seen = details;
      assert.equal(details.progress(['half']), true);
      return 'all';
    }, 500, { match: 'prefix' });
    invoke(router, 4, 500, [], {}, { caller: 1234, caller_authid: 'bob', procedure: 'media.play', receive_progress: true, timeout: 900 });
    const progress = await router.expect('YIELD');
    assert.deepEqual([progress.options, progress.args], [{ progress: true }, ['half']]);
    const final = await router.expect('YIELD');
    assert.deepEqual([final.options, final.args], [{}, ['all']]);
    assert.ok(seen);
    assert.equal(seen.caller, 1234);
    assert.equal(seen.callerAuthid, 'bob');
    assert.equal(seen.procedure, 'media.play');
    assert.equal(seen.registrationId, 500);
    assert.equal(seen.timeoutMs, 900);
    assert.equal(seen.receiveProgress, true);
    assert.equal(seen.progress(['late']), false, 'no progress after the final answer');
    await session.close();
  });

  it('progress() sends nothing when the caller did not ask', async () => {
    const { session, router } = await open();
    await registered(session, router, 'a.b', (_a, _k, details) => {
      assert.equal(details.progress([1]), false);
      assert.equal(details.caller, undefined);
      assert.equal(details.procedure, 'a.b');
      return 'x';
    });
    invoke(router, 4, 500);
    const y = await router.expect('YIELD');
    assert.deepEqual(y.options, {});
    await session.close();
  });

  it('INTERRUPT aborts the handler signal and answers wamp.error.canceled; the late return is dropped', async () => {
    const { session, router } = await open();
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let signalReason: unknown;
    await registered(session, router, 'a.slow', async (_a, _k, details) => {
      details.signal.addEventListener('abort', () => { signalReason = details.signal.reason; });
      await released;
      return 'too late';
    });
    invoke(router, 8, 500);
    await new Promise((resolve) => setImmediate(resolve));
    router.send({ type: 'INTERRUPT', requestId: 8, options: { mode: 'killnowait' } });
    const error = await router.expect('ERROR');
    assert.equal(error.requestId, 8);
    assert.equal(error.error, 'wamp.error.canceled');
    assert.ok(signalReason instanceof ClientError && signalReason.code === 'canceled');
    release();
    // A later call proves nothing else was sent for request 8.
    invoke(router, 9, 500);
    release();
    const next = await router.expect('YIELD');
    assert.equal(next.requestId, 9);
    await session.close();
  });

  it('a signal first read after INTERRUPT is already aborted with the reason; every read is the same signal', async () => {
    const { session, router } = await open();
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let signals: AbortSignal[] = [];
    await registered(session, router, 'a.lazy', async (_a, _k, details) => {
      await released;
      if (details.requestId === 8) signals = [details.signal, details.signal];
      return 'late';
    });
    invoke(router, 8, 500);
    await new Promise((resolve) => setImmediate(resolve));
    router.send({ type: 'INTERRUPT', requestId: 8, options: {} });
    assert.equal((await router.expect('ERROR')).error, 'wamp.error.canceled');
    release();
    invoke(router, 9, 500);
    assert.equal((await router.expect('YIELD')).requestId, 9);
    const [first, second] = signals;
    assert.ok(first && second);
    assert.equal(first, second);
    assert.equal(first.aborted, true);
    assert.ok(first.reason instanceof ClientError && first.reason.code === 'canceled');
    await session.close();
  });

  it('a signal first read after close() is already aborted with ClientError closed', async () => {
    const { session, router } = await open();
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const running = new Promise<void>((resolve) => { started = resolve; });
    let signal: AbortSignal | undefined;
    await registered(session, router, 'a.dropped', async (_a, _k, details) => {
      started();
      await released;
      signal = details.signal;
    });
    invoke(router, 4, 500);
    await running;
    await session.close();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(signal);
    assert.equal(signal.aborted, true);
    assert.ok(signal.reason instanceof ClientError && signal.reason.code === 'closed');
  });

  it('a signal of an invocation that ended normally is not aborted, nor by a later close', async () => {
    const { session, router } = await open();
    let seen: InvocationDetails | undefined;
    await registered(session, router, 'a.quick', (_a, _k, details) => {
      seen = details;
      return 1;
    });
    invoke(router, 3, 500);
    await router.expect('YIELD');
    assert.ok(seen);
    const signal = seen.signal;
    assert.equal(signal.aborted, false);
    await session.close();
    assert.equal(signal.aborted, false);
  });

  it('details can be destructured: progress and signal work unbound', async () => {
    const { session, router } = await open();
    await registered(session, router, 'a.parts', (_a, _k, { progress, signal, requestId, procedure }) => {
      assert.equal(progress(['p']), true);
      assert.equal(signal.aborted, false);
      return [requestId, procedure];
    });
    invoke(router, 6, 500, [], {}, { receive_progress: true });
    assert.deepEqual((await router.expect('YIELD')).args, ['p']);
    assert.deepEqual((await router.expect('YIELD')).args, [[6, 'a.parts']]);
    await session.close();
  });

  it('an INVOCATION for an unknown registration answers no_such_registration', async () => {
    const { session, router } = await open();
    invoke(router, 5, 31337);
    const error = await router.expect('ERROR');
    assert.deepEqual([error.requestType, error.requestId, error.error], [68, 5, 'wamp.error.no_such_registration']);
    await session.close();
  });

  it('logCalls logs one line per invocation with procedure, duration and outcome', async () => {
    const { stream, entries } = lines();
    const { session, router } = await open({ logger: createLogger({ level: 'info', destination: stream }) });
    const pending = session.register('a.logged', (args) => {
      if (args[0] === 'fail') throw new RemoteError('app.error.nope');
      return 1;
    }, { logCalls: true });
    const register = await router.expect('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    await pending;
    invoke(router, 1, 1, ['ok']);
    await router.expect('YIELD');
    invoke(router, 2, 1, ['fail']);
    await router.expect('ERROR');
    const calls = entries.filter((e) => e['msg'] === 'invocation');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((e) => [e['procedure'], e['outcome'], e['error']]), [['a.logged', 'ok', undefined], ['a.logged', 'error', 'app.error.nope']]);
    assert.ok(calls.every((e) => typeof e['durationMs'] === 'number'));
    await session.close();
  });

  it('session logCalls logs outgoing calls too', async () => {
    const { stream, entries } = lines();
    const { session, router } = await open({ logCalls: true, logger: createLogger({ level: 'info', destination: stream }) });
    const pending = session.call('x.y');
    const call = await router.expect('CALL');
    router.send({ type: 'ERROR', requestType: 48, requestId: call.requestId, details: {}, error: 'wamp.error.no_such_procedure' });
    await assert.rejects(pending);
    const line = entries.find((e) => e['msg'] === 'call');
    assert.ok(line);
    assert.deepEqual([line['procedure'], line['outcome'], line['error']], ['x.y', 'error', 'wamp.error.no_such_procedure']);
    await session.close();
  });
});
