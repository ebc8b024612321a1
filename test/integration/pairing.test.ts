/**
 * Device pairing end to end: an agent process joining with its device key waits
 * as pending, `thoth devices pending` shows it with the fingerprint the agent
 * printed, `thoth devices approve` lets it (and its plugins) in, `thoth devices
 * revoke` ends its sessions and fails a call in flight to it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteError, ErrorUri, type Session } from '../../src/client/index.js';
import { fixture } from '../agent/support.js';
import { killAll, spawnNode, type Child } from './support/child.js';
import { runCli } from './support/cli.js';
import { within } from './support/deadline.js';
import { cliMainPath } from './support/paths.js';
import { startRouterProcess, type RouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';

describe('device pairing with real processes', { timeout: 120_000 }, () => {
  const pool = new SessionPool();
  let router: RouterProcess;
  let owner: Session;
  let agent: Child;
  let dataDir: string;

  before(async () => {
    router = await startRouterProcess();
    owner = await pool.connect(router.wsUrl);
    dataDir = await mkdtemp(join(tmpdir(), 'thoth-pairing-'));
  });

  after(async () => {
    await pool.closeAll();
    await killAll();
    await router?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  test('pending, approved, then revoked mid-call', async () => {
    agent = spawnNode(cliMainPath(), [
      'agent', '--router', router.wsUrl, '--auth', 'device', '--name', 'kitchen-pi', '--data-dir', dataDir,
      '--plugin', fixture('good'), '--shutdown-deadline', '1000',
    ], { name: 'agent kitchen-pi' });
    const waiting = await agent.waitForJson((line) => typeof line['msg'] === 'string' && line['msg'].includes('waits for approval'), { what: 'the agent saying it waits for approval', timeoutMs: 20_000 });
    const id = String(waiting['device']);
    const fingerprint = String(waiting['fingerprint']);
    assert.match(String(waiting['msg']), new RegExp(`thoth devices approve ${id}`));

    const pending = await runCli(['devices', 'pending', '--url', router.wsUrl]);
    assert.equal(pending.status.code, 0, pending.stderr.join('\n'));
    const row = pending.stdout.find((line) => line.startsWith(id));
    assert.ok(row !== undefined, `no row for ${id} in:\n${pending.stdout.join('\n')}`);
    assert.ok(row.includes(fingerprint) && row.includes('pending') && row.includes('kitchen-pi'), row);

    const approve = await runCli(['devices', 'approve', id, '--url', router.wsUrl]);
    assert.equal(approve.status.code, 0, approve.stderr.join('\n'));
    assert.deepEqual(approve.stdout, [`${id} approved (key fingerprint ${fingerprint})`]);
    await agent.waitForJson((line) => line['msg'] === 'good plugin serving', { what: 'the plugin serving after approval', timeoutMs: 20_000 });

    const echoed = (await owner.call('test.echo', ['there'], {}, { device: id })).value as { device: string };
    assert.equal(echoed.device, id, 'the plugin session joined as the device');
    const sessions = (await owner.call('wamp.session.list', [])).value as number[];
    const roles = await Promise.all(sessions.map(async (s) => (await owner.call('wamp.session.get', [s])).value as { authid: string; authrole: string }));
    assert.equal(roles.filter((r) => r.authid === id && r.authrole === 'device').length, 2, 'the agent and its plugin, both as the device');

    const slow = owner.call('test.slow', [60_000], {}, { device: id });
    const settled = slow.then(() => 'answered', (error: unknown) => error);
    await agent.waitForJson((line) => line['msg'] === 'slow call started', { what: 'the slow call to start', timeoutMs: 10_000 });
    const revoke = await runCli(['devices', 'revoke', id, '--url', router.wsUrl]);
    assert.equal(revoke.status.code, 0, revoke.stderr.join('\n'));
    const failure = await within(settled, 5000, 'the call in flight to fail');
    assert.ok(failure instanceof RemoteError);
    assert.equal(failure.uri, ErrorUri.deviceRevoked);
    await agent.waitForJson((line) => line['msg'] === 'the router revoked this device; reconnecting in case it is approved again', { what: 'the agent noticing the revocation', timeoutMs: 10_000 });

    const after = await runCli(['devices', 'pending', '--all', '--json', '--url', router.wsUrl]);
    const keys = JSON.parse(after.stdout.join('\n')) as { device: string; state: string }[];
    assert.deepEqual(keys.map((k) => [k.device, k.state]), [[id, 'revoked']]);
    const left = (await owner.call('wamp.session.list', [])).value as number[];
    const still = await Promise.all(left.map(async (s) => ((await owner.call('wamp.session.get', [s])).value as { authid: string }).authid));
    assert.ok(!still.includes(id), 'no session of the revoked device is left');
  });
});
