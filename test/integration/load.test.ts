/**
 * Many callers and callees at once: four callee processes share one procedure
 * (invoke 'roundrobin') and eight SDK sessions make 200 calls each, all in flight together.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RemoteError } from '../../src/client/index.js';
import { startCallee } from './support/apps.js';
import { killAll, type Child } from './support/child.js';
import { within } from './support/deadline.js';
import { assertRunning, startRouterProcess, type RouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';

const CALLEES = 4;
const SESSIONS = 8;
const CALLS_PER_SESSION = 200;

describe('many callers and callees at once', { timeout: 60_000 }, () => {
  const pool = new SessionPool();
  let router: RouterProcess;
  let callees: Child[] = [];

  before(async () => {
    router = await startRouterProcess();
    callees = await Promise.all(Array.from({ length: CALLEES }, (_unused, i) => startCallee({
      url: i % 2 === 0 ? router.wsUrl : router.rawUrl,
      serializer: i % 2 === 0 ? 'json' : 'msgpack',
      name: `worker-${i}`,
      procedures: [{ uri: 'test.shared', behavior: 'tag', invoke: 'roundrobin' }],
    })));
  });

  after(async () => {
    await pool.closeAll();
    await killAll();
  });

  test(`${SESSIONS} sessions x ${CALLS_PER_SESSION} calls to ${CALLEES} shared callees: one correct answer each, every callee gets its share`, async () => {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, (_unused, i) => (
      i % 2 === 0 ? pool.connect(router.rawUrl, 'msgpack') : pool.connect(router.wsUrl, 'json')
    )));
    const calls = sessions.flatMap((session, s) => Array.from({ length: CALLS_PER_SESSION }, (_unused, c) => {
      const token = `s${s}-c${c}`;
      return session.call('test.shared', [token]).then((result) => ({ token, result }));
    }));
    const answers = await within(Promise.all(calls), 20_000, `${calls.length} answers`);

    const perCallee = new Map<string, number>();
    for (const { token, result } of answers) {
      const value = result.value as { callee: string; value: unknown };
      assert.equal(value.value, token, `the call ${token} got the answer to ${JSON.stringify(value.value)}`);
      perCallee.set(value.callee, (perCallee.get(value.callee) ?? 0) + 1);
    }
    // Round robin over all calls: each of the callees answered exactly its quarter.
    const expected = new Map(callees.map((_unused, i) => [`worker-${i}`, (SESSIONS * CALLS_PER_SESSION) / CALLEES]));
    assert.deepEqual(perCallee, expected);
    assertRunning(router);
    for (const callee of callees) assert.equal(callee.exitStatus, undefined, `${callee.name} died`);
  });

  test('a shared callee SIGKILLed under load: every call still ends exactly once, the others take over', async () => {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, (_unused, i) => (
      i % 2 === 0 ? pool.connect(router.wsUrl, 'json') : pool.connect(router.rawUrl, 'msgpack')
    )));
    const victim = callees[0]!;
    let answered = 0;
    const calls = sessions.flatMap((session, s) => Array.from({ length: CALLS_PER_SESSION }, (_unused, c) => {
      const token = `kill-s${s}-c${c}`;
      return session.call('test.shared', [token]).then((result) => {
        answered += 1;
        if (answered === 200) victim.signal('SIGKILL');
        return { token, value: result.value as { callee: string; value: unknown } };
      });
    }));
    const outcomes = await within(Promise.allSettled(calls), 20_000, `${calls.length} calls to settle`);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') {
        assert.equal(outcome.value.value.value, outcome.value.token);
      } else {
        const error: unknown = outcome.reason;
        assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
        assert.equal(error.uri, 'thoth.error.callee_gone');
      }
    }
    assert.equal((await victim.waitForExit()).signal, 'SIGKILL');

    // The survivors share all new calls.
    const session = sessions[0]!;
    const after = await within(Promise.all(Array.from({ length: 300 }, (_unused, i) => session.call('test.shared', [i]))), 10_000, '300 calls after the kill');
    const perCallee = new Map<string, number>();
    after.forEach((result, i) => {
      const value = result.value as { callee: string; value: unknown };
      assert.equal(value.value, i);
      perCallee.set(value.callee, (perCallee.get(value.callee) ?? 0) + 1);
    });
    assert.deepEqual(perCallee, new Map([['worker-1', 100], ['worker-2', 100], ['worker-3', 100]]));
    assertRunning(router);
  });
});
