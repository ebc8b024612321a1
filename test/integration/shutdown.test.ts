/**
 * SIGTERM to a router process with work in flight: every pending call gets its
 * one answer (thoth.error.router_shutdown), every session is told goodbye, and
 * the process exits 0 without hanging, even when a client never answers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RemoteError } from '../../src/client/index.js';
import { invoked, startCallee } from './support/apps.js';
import { killAll } from './support/child.js';
import { rejection, within } from './support/deadline.js';
import { startRouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';
import { WsProbe } from './support/ws-probe.js';

describe('router shutdown (SIGTERM)', { timeout: 60_000 }, () => {
  const pool = new SessionPool();
  const dirs: string[] = [];

  after(async () => {
    await pool.closeAll();
    await killAll();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('a pending call fails with thoth.error.router_shutdown, sessions close with system_shutdown, the router exits 0', async () => {
    const router = await startRouterProcess();
    const callee = await startCallee({ url: router.rawUrl, serializer: 'msgpack', name: 'worker', procedures: [{ uri: 'test.slow', behavior: 'slow' }] });
    const caller = await pool.connect(router.wsUrl);
    const callerClosed = caller.once('close');
    const call = caller.call('test.slow', ['pending']);
    await invoked(callee, 'pending');

    assert.ok(router.child.signal('SIGTERM'), 'the router had already exited');
    const error = await rejection(call, 5_000, 'the pending call during shutdown');
    assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
    assert.equal(error.uri, 'thoth.error.router_shutdown');

    const closed = await within(callerClosed, 5_000, 'the caller session to close');
    assert.equal(closed.reason, 'wamp.close.system_shutdown');
    assert.equal(caller.state, 'closed');

    const calleeClosed = await callee.waitForJson((l) => l['event'] === 'closed', { what: 'the callee session closing' });
    assert.equal(calleeClosed['reason'], 'wamp.close.system_shutdown');
    await callee.waitForJson((l) => l['event'] === 'interrupted' && l['token'] === 'pending', { what: 'the running handler being aborted' });
    assert.equal((await callee.waitForExit()).code, 0);

    const status = await router.child.waitForExit(5_000);
    assert.deepEqual(status, { code: 0, signal: null });
    assert.ok(router.child.jsonLines().some((l) => l['msg'] === 'router stopped'), "no 'router stopped' log line");
  });

  test('a client that never answers GOODBYE is dropped after shutdownTimeoutMs and the router still exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'thoth-it-'));
    dirs.push(dir);
    const configPath = join(dir, 'router.json');
    await writeFile(configPath, JSON.stringify({ shutdownTimeoutMs: 300 }));
    const router = await startRouterProcess({ configPath });
    const silent = await WsProbe.join(router.wsUrl);

    assert.ok(router.child.signal('SIGTERM'), 'the router had already exited');
    const goodbye = await silent.message(1, 'the GOODBYE');
    assert.ok(Array.isArray(goodbye) && goodbye[0] === 6, `expected GOODBYE, got ${JSON.stringify(goodbye)}`);
    assert.equal(goodbye[2], 'wamp.close.system_shutdown');
    // We do not answer; the router must not wait for us forever.
    await silent.waitForClose('the router to drop the silent client', 5_000);
    const status = await router.child.waitForExit(5_000);
    assert.deepEqual(status, { code: 0, signal: null });
  });
});
