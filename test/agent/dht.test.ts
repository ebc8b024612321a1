import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { RemoteError, type Session } from '../../src/client/index.js';
import { Agent } from '../../src/agent/agent.js';
import type { AgentConfig } from '../../src/agent/config.js';
import { remoteDht } from '../../src/dht/api/remote.js';
import { captureLogger, observer, startMeshRouter, TempDirs, testSettings, type MeshRouter } from './support.js';

const dirs = new TempDirs();
const routers: MeshRouter[] = [];
const agents: Agent[] = [];
const sessions: Session[] = [];

after(() => dirs.cleanup());
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

async function setup(): Promise<{ url: string; session: Session }> {
  const router = await startMeshRouter();
  routers.push(router);
  const session = await observer(router.url);
  sessions.push(session);
  return { url: router.url, session };
}

function agentOn(url: string, dataDir: string, config: AgentConfig): Agent {
  const agent = new Agent({ settings: testSettings(url, dataDir, config), logger: captureLogger('info').logger });
  agents.push(agent);
  return agent;
}

async function rejectsWith(call: Promise<unknown>, uri: string, pattern: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.uri, uri);
    assert.match(String(error.args[0]), pattern);
    return true;
  });
}

describe('the agent runs a DHT node', () => {
  it('two agents started at once join one overlay through the router; a value put through one is read through the other', async () => {
    const { url, session } = await setup();
    const [alphaDir, betaDir] = [await dirs.make(), await dirs.make()];
    const alpha = agentOn(url, alphaDir, { name: 'alpha', dht: { enabled: true, maxBytes: 4096 } });
    const beta = agentOn(url, betaDir, { name: 'beta', dht: { enabled: true } });
    await Promise.all([alpha.start(), beta.start()]);

    const viaAlpha = remoteDht(session, { device: 'alpha' });
    const viaBeta = remoteDht(session, { device: 'beta' });
    const [alphaStatus, betaStatus] = [await viaAlpha.status(), await viaBeta.status()];
    const leaves = (status: typeof alphaStatus): string[] => [...status.leafSet.smaller, ...status.leafSet.larger].map((peer) => peer.id);
    assert.deepEqual(leaves(alphaStatus), [betaStatus.id], 'alpha knows beta');
    assert.deepEqual(leaves(betaStatus), [alphaStatus.id], 'beta knows alpha');
    assert.equal(betaStatus.storage.path, join(betaDir, 'dht', 'store.db'));

    const stored = await viaAlpha.put('notes/today', { text: 'buy milk' });
    assert.equal(stored.writer, alphaStatus.id);
    assert.deepEqual(await viaBeta.get('notes/today'), stored);
    assert.deepEqual(await remoteDht(session).get('notes/today'), stored, 'without --device: any agent serves the whole overlay');
    assert.equal(await viaBeta.get('notes/never'), undefined);
    const routed = await viaBeta.route('notes/today');
    assert.ok([alphaStatus.id, betaStatus.id].includes(routed.root.id));

    await rejectsWith(session.call('agent.dht.put', [], { key: 'x' }, { device: 'beta' }), 'wamp.error.invalid_argument', /^agent\.dht\.put: value: a value is required/);
    await rejectsWith(session.call('agent.dht.get', [], { key: '' }, { device: 'beta' }), 'wamp.error.invalid_argument', /^agent\.dht\.get: key: /);
    await rejectsWith(viaBeta.put('big', 'x'.repeat(8000)), 'thoth.error.dht_storage_full', /storage full: \d+ of 4096 bytes used/);
  });

  it('an agent restarted on its data dir comes back with the same node id and its values', async () => {
    const { url, session } = await setup();
    const [alphaDir, betaDir] = [await dirs.make(), await dirs.make()];
    await agentOn(url, alphaDir, { name: 'alpha' }).start();
    const beta = agentOn(url, betaDir, { name: 'beta' });
    await beta.start();
    const before = await remoteDht(session, { device: 'beta' }).status();
    await remoteDht(session, { device: 'alpha' }).put('kept', 42);
    await beta.stop();
    agents.splice(agents.indexOf(beta), 1);

    await agentOn(url, betaDir, { name: 'beta' }).start();
    const viaBeta = remoteDht(session, { device: 'beta' });
    const after = await viaBeta.status();
    assert.equal(after.id, before.id, 'the node id is kept in <dataDir>/dht/store.db');
    assert.equal(after.storage.keys, 1, 'its copy is still on disk');
    assert.equal((await viaBeta.get('kept'))?.value, 42);
  });

  it('with dht.enabled false there is no node and no agent.dht procedure', async () => {
    const { url, session } = await setup();
    await agentOn(url, await dirs.make(), { name: 'plain', dht: { enabled: false } }).start();
    const device = (await session.call('thoth.device.get', ['plain'])).value as { modalities: { kind: string; procedures: string[] }[] };
    const procedures = device.modalities.find((m) => m.kind === 'agent')?.procedures ?? [];
    assert.ok(procedures.length > 0 && procedures.every((p) => !p.startsWith('agent.dht.')), procedures.join());
    await rejectsWith(remoteDht(session, { device: 'plain' }).status(), 'wamp.error.no_such_procedure', /./);
  });

  it('runs an authenticated overlay: certified by the router, and a node the router revokes is cut off at once', async () => {
    const router = await startMeshRouter();
    routers.push(router);
    const session = await observer(router.url);
    sessions.push(session);
    const capture = captureLogger('info');
    const alpha = new Agent({ settings: testSettings(router.url, await dirs.make(), { name: 'alpha' }), logger: capture.logger });
    agents.push(alpha);
    await alpha.start();
    await agentOn(router.url, await dirs.make(), { name: 'beta' }).start();
    const [alphaStatus, betaStatus] = [await remoteDht(session, { device: 'alpha' }).status(), await remoteDht(session, { device: 'beta' }).status()];
    assert.equal(alphaStatus.security.mode, 'authenticated');
    assert.equal(betaStatus.security.authority, alphaStatus.security.authority, 'one authority: the router');
    assert.ok(alphaStatus.leafSet.larger.concat(alphaStatus.leafSet.smaller).some((peer) => peer.id === betaStatus.id));

    const realm = router.router.realm('thoth')!;
    realm.broker.publishInternal(realm.internal, 'thoth.dht.on_revoked', [], { nodes: [betaStatus.id], until: Date.now() + 3_600_000 });
    await capture.waitFor((line) => line['msg'] === 'the router revoked DHT nodes: cut off');
    const after = await remoteDht(session, { device: 'alpha' }).status();
    assert.deepEqual([...after.leafSet.smaller, ...after.leafSet.larger], [], 'beta is out of alpha\'s leaf set');
  });
});
