/**
 * Apps that die: a callee killed or crashing mid-call, a caller killed while
 * its callee works. Every call still ends with exactly one answer, and the
 * router (a real process) goes on serving everyone else.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { RemoteError } from '../../src/client/index.js';
import { invoked, startCallee, startCaller } from './support/apps.js';
import { killAll } from './support/child.js';
import { rejection, within } from './support/deadline.js';
import { assertRunning, startRouterProcess, type RouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';
import { WsProbe } from './support/ws-probe.js';

const INVOCATION = 68;
const INTERRUPT = 69;
const YIELD = 70;
const CALL = 48;
const RESULT = 50;

describe('processes that die mid-call', { timeout: 60_000 }, () => {
  const pool = new SessionPool();
  let router: RouterProcess;

  before(async () => {
    router = await startRouterProcess();
    await startCallee({ url: router.rawUrl, serializer: 'msgpack', name: 'bystander', procedures: [{ uri: 'test.bystander', behavior: 'echo' }] });
  });

  after(async () => {
    await pool.closeAll();
    await killAll();
  });

  /** The router process is alive and routes a fresh call from a fresh session. */
  async function assertServing(): Promise<void> {
    assertRunning(router);
    const session = await pool.connect(router.wsUrl);
    const result = await within(session.call('test.bystander', ['still here']), 5_000, 'a fresh call after the failure');
    assert.equal(result.value, 'still here');
    await session.close();
  }

  const variants = [
    { callee: { url: () => router.wsUrl, serializer: 'json' }, caller: { url: () => router.rawUrl, serializer: 'msgpack' }, name: 'callee on WebSocket, caller on RawSocket' },
    { callee: { url: () => router.rawUrl, serializer: 'msgpack' }, caller: { url: () => router.wsUrl, serializer: 'json' }, name: 'callee on RawSocket, caller on WebSocket' },
  ] as const;

  for (const variant of variants) {
    test(`a callee SIGKILLed mid-call fails the call with thoth.error.callee_gone within 1 s (${variant.name})`, async () => {
      const procedure = `test.slow.${variant.callee.serializer}`;
      const callee = await startCallee({ url: variant.callee.url(), serializer: variant.callee.serializer, name: 'doomed', procedures: [{ uri: procedure, behavior: 'slow' }] });
      const session = await pool.connect(variant.caller.url(), variant.caller.serializer);
      const call = session.call(procedure, ['kill-me']);
      await invoked(callee, 'kill-me');

      const killedAt = performance.now();
      assert.ok(callee.signal('SIGKILL'), 'the callee was already gone before the kill');
      const error = await rejection(call, 5_000, 'the call to the killed callee');
      const elapsedMs = performance.now() - killedAt;

      assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
      assert.equal(error.uri, 'thoth.error.callee_gone');
      assert.ok(elapsedMs < 1000, `the caller learned of the dead callee after ${Math.round(elapsedMs)} ms; the requirement is within 1 s`);
      assert.equal((await callee.waitForExit()).signal, 'SIGKILL');
      // The registration went with the callee: a new call is refused, not left hanging.
      const missing = await rejection(session.call(procedure, ['again']), 5_000, 'a call to the dead callee\'s procedure');
      assert.ok(missing instanceof RemoteError);
      assert.equal(missing.uri, 'wamp.error.no_such_procedure');
      await session.close();
      await assertServing();
    });
  }

  test('a callee that exits inside its handler fails the call with thoth.error.callee_gone', async () => {
    const callee = await startCallee({ url: router.wsUrl, name: 'crasher', procedures: [{ uri: 'test.crash', behavior: 'crash' }] });
    const session = await pool.connect(router.rawUrl, 'msgpack');
    const error = await rejection(session.call('test.crash', ['crash-1']), 5_000, 'the call whose callee crashes');
    assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
    assert.equal(error.uri, 'thoth.error.callee_gone');
    assert.match(error.message, /test\.crash/);
    assert.equal((await callee.waitForExit()).code, 1);
    assert.ok(callee.jsonLines().some((l) => l['event'] === 'invoked' && l['token'] === 'crash-1'), 'the handler never ran');
    await session.close();
    await assertServing();
  });

  test('a caller SIGKILLed mid-call interrupts its SDK callee, which keeps serving', async () => {
    const callee = await startCallee({
      url: router.rawUrl,
      serializer: 'msgpack',
      name: 'patient',
      procedures: [{ uri: 'test.patient', behavior: 'slow' }, { uri: 'test.patient.echo', behavior: 'echo' }],
    });
    const caller = await startCaller({ url: router.wsUrl, procedure: 'test.patient', args: ['orphan'] });
    await invoked(callee, 'orphan');
    assert.ok(caller.signal('SIGKILL'), 'the caller was already gone before the kill');
    assert.equal((await caller.waitForExit()).signal, 'SIGKILL');

    const interrupt = await callee.waitForJson((l) => l['event'] === 'interrupted' && l['token'] === 'orphan', { what: 'the interrupt after its caller died' });
    assert.equal(interrupt['procedure'], 'test.patient');
    // The handler returned anyway (the SDK keeps that answer to itself).
    await callee.waitForJson((l) => l['event'] === 'late' && l['token'] === 'orphan', { what: 'the handler finishing after the interrupt' });

    const session = await pool.connect(router.rawUrl, 'msgpack');
    const echo = await within(session.call('test.patient.echo', ['fresh']), 5_000, 'a fresh call to the same callee');
    assert.deepEqual(echo.args, ['fresh']);
    const slow = await within(session.call('test.patient', ['second', 10]), 5_000, 'a second slow call');
    assert.deepEqual(slow.value, { slow: 'second' });
    assert.equal(callee.exitStatus, undefined, 'the callee process died');
    await session.close();
    await callee.kill();
    await assertServing();
  });

  test('after its caller is SIGKILLed, a late YIELD is dropped by the router and the callee session goes on', async () => {
    // A hand-driven callee, so the late YIELD really reaches the router.
    const callee = await WsProbe.join(router.wsUrl);
    try {
      callee.send([64, 1, {}, 'test.raw.patient']);
      await callee.waitFor((m) => Array.isArray(m) && m[0] === 65 && m[1] === 1, 'REGISTERED');
      const caller = await startCaller({ url: router.rawUrl, serializer: 'msgpack', procedure: 'test.raw.patient', args: ['orphan'] });
      const invocation = await callee.waitFor((m) => Array.isArray(m) && m[0] === INVOCATION, 'the INVOCATION') as unknown[];
      const invocationId = invocation[1];
      assert.deepEqual(invocation[4], ['orphan']);

      assert.ok(caller.signal('SIGKILL'), 'the caller was already gone before the kill');
      const interrupt = await callee.waitFor((m) => Array.isArray(m) && m[0] === INTERRUPT, 'the INTERRUPT after the caller died') as unknown[];
      assert.equal(interrupt[1], invocationId);
      assert.deepEqual(interrupt[2], { mode: 'killnowait', reason: 'thoth.error.caller_gone' });

      callee.send([YIELD, invocationId, {}, ['late']]);
      // The session is intact: its next call is answered, and nothing else arrived in between.
      callee.send([CALL, 2, {}, 'test.bystander', ['after the late yield']]);
      const result = await callee.waitFor((m) => Array.isArray(m) && m[0] === RESULT, 'the RESULT of a call after the late YIELD') as unknown[];
      assert.deepEqual(result, [RESULT, 2, {}, ['after the late yield']]);
      const kinds = callee.messages.map((m) => (Array.isArray(m) ? m[0] : m));
      assert.deepEqual(kinds, [2, 65, INVOCATION, INTERRUPT, RESULT]);
      await assertServing();
    } finally {
      callee.close();
    }
  });
});
