import assert from 'node:assert/strict';
import os from 'node:os';
import { after, afterEach, describe, it } from 'node:test';
import { RemoteError, type Session } from '../../src/client/index.js';
import { Agent } from '../../src/agent/agent.js';
import type { AgentConfig } from '../../src/agent/config.js';
import { AgentError } from '../../src/agent/errors.js';
import { Router } from '../../src/router/index.js';
import type { PluginStatus } from '../../src/agent/runner.js';
import { captureLogger, fixture, observer, startMeshRouter, TempDirs, testSettings, within, type MeshRouter } from './support.js';

interface DeviceRecord { id: string; name: string; status: string; hostname: string; platform: string; arch: string; cpus: number; tags: Record<string, string>; interfaces: unknown[]; modalities?: ModalityRecord[] }
interface ModalityRecord { id: number; device: string; kind: string; name: string; procedures: string[]; status: string }

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

async function router(options: Parameters<typeof startMeshRouter>[0] = {}): Promise<MeshRouter> {
  const r = await startMeshRouter(options);
  routers.push(r);
  return r;
}

async function client(url: string): Promise<Session> {
  const s = await observer(url);
  sessions.push(s);
  return s;
}

async function agentOn(url: string, config: AgentConfig = {}, dataDir?: string, logger = captureLogger('info')): Promise<{ agent: Agent; dataDir: string; log: ReturnType<typeof captureLogger> }> {
  const dir = dataDir ?? await dirs.make();
  const agent = new Agent({ settings: testSettings(url, dir, config), logger: logger.logger });
  agents.push(agent);
  return { agent, dataDir: dir, log: logger };
}

async function device(session: Session, target: string): Promise<DeviceRecord> {
  return (await session.call('thoth.device.get', [target])).value as DeviceRecord;
}

async function liveModalities(session: Session, target: string): Promise<ModalityRecord[]> {
  return (await session.call('thoth.modality.list', [], { device: target, status: 'live' })).value as ModalityRecord[];
}

/** Resolves once the agent's plugin `name` reaches a state that passes `test`. */
function pluginState(agent: Agent, name: string, test: (status: PluginStatus) => boolean): Promise<PluginStatus> {
  const now = agent.plugins().find((p) => p.name === name);
  if (now !== undefined && test(now)) return Promise.resolve(now);
  return agent.next('plugin', (status) => status.name === name && test(status));
}

/** Wait until `name`'s good plugin logged that it serves (its procedures are registered). */
function serving(log: ReturnType<typeof captureLogger>, after = 0): Promise<unknown> {
  return log.waitFor((l) => l['msg'] === 'good plugin serving' && typeof l['time'] === 'number' && l['time'] >= after, 15_000);
}

describe('agent', () => {
  it('comes up before the router does, then registers the device with its facts and tags', async () => {
    const reserved = await startMeshRouter();
    const port = reserved.port;
    await reserved.close();
    const url = `ws://127.0.0.1:${port}/ws`;
    const { agent, log } = await agentOn(url, { name: 'early', tags: { room: 'den' }, plugins: [{ use: fixture('good') }] });
    const starting = agent.start();
    await log.waitFor((l) => l['msg'] === 'cannot reach the router; retrying');
    assert.equal(agent.state, 'starting');
    await router({ port });
    await within(starting, 15_000, 'the agent to start once the router is up');
    assert.equal(agent.state, 'running');

    const observerSession = await client(url);
    const id = agent.identity!.id;
    const record = await device(observerSession, 'early');
    assert.equal(record.id, id);
    assert.equal(record.status, 'online');
    assert.equal(record.hostname, os.hostname());
    assert.equal(record.platform, os.platform());
    assert.equal(record.arch, os.arch());
    assert.equal(record.cpus, os.cpus().length);
    assert.deepEqual(record.tags, { room: 'den' });
    assert.deepEqual(record.modalities?.map((m) => m.kind).sort(), ['agent', 'echo']);
    const agentModality = record.modalities?.find((m) => m.kind === 'agent');
    assert.deepEqual([...(agentModality?.procedures ?? [])].sort(), [
      'agent.dht.get', 'agent.dht.put', 'agent.dht.remove', 'agent.dht.route', 'agent.dht.status', // the router is on loopback: the DHT node runs
      'agent.plugins.list', 'agent.plugins.load', 'agent.plugins.reload', 'agent.plugins.unload', 'agent.shutdown',
    ]);
    assert.equal(agent.heartbeatIntervalMs, 5000, "the router's interval is used when none is configured");
  });

  it('device-targeted calls reach the named agent and its plugins, every time', async () => {
    const mesh = await router();
    const a = await agentOn(mesh.url, { name: 'alpha', plugins: [{ use: fixture('good') }] });
    const b = await agentOn(mesh.url, { name: 'beta', plugins: [{ use: fixture('good'), config: { greeting: 'yo' } }] });
    await Promise.all([a.agent.start(), b.agent.start()]);
    await Promise.all([serving(a.log), serving(b.log)]);
    const caller = await client(mesh.url);
    for (const [target, agent] of [['alpha', a.agent], ['beta', b.agent]] as const) {
      const listed = (await caller.call('agent.plugins.list', [], {}, { device: target })).value as PluginStatus[];
      assert.deepEqual(listed.map((p) => [p.name, p.state]), [['good', 'running']]);
      for (let i = 0; i < 20; i++) {
        const result = (await caller.call('test.echo', [i], {}, { device: target })).value as { device: string; text: string };
        assert.equal(result.device, agent.identity!.id, `call ${i} to ${target}`);
      }
    }
    const selected = (await caller.call('test.echo', ['x'], {}, { select: { kind: 'echo' } })).value as { device: string };
    assert.ok([a.agent.identity!.id, b.agent.identity!.id].includes(selected.device));
    await assert.rejects(caller.call('test.echo', ['x'], {}, { device: 'gamma' }), (e: unknown) => e instanceof RemoteError && e.uri === 'thoth.error.no_such_device');
  });

  it('loads, reloads and unloads plugins at run time through its procedures; bad requests are clear errors', async () => {
    const mesh = await router();
    const { agent, log } = await agentOn(mesh.url, { name: 'loader' });
    await agent.start();
    const caller = await client(mesh.url);
    const loaded = (await caller.call('agent.plugins.load', [], { use: fixture('good'), name: 'echoer', config: { greeting: 'hey' } }, { device: 'loader' })).value as PluginStatus;
    assert.equal(loaded.name, 'echoer');
    assert.equal(loaded.state, 'running');
    await serving(log);
    assert.equal(((await caller.call('test.echo', ['you'], {}, { device: 'loader' })).value as { text: string }).text, 'hey you');
    assert.deepEqual((await liveModalities(caller, 'loader')).map((m) => m.name).sort(), ['agent', 'echoer']);

    await assert.rejects(caller.call('agent.plugins.load', [], { use: fixture('good'), name: 'echoer' }, { device: 'loader' }),
      (e: unknown) => e instanceof RemoteError && e.uri === 'wamp.error.invalid_argument' && /already loaded/.test(e.message));
    await assert.rejects(caller.call('agent.plugins.load', [], { use: fixture('good'), name: 'other', config: { times: -1 } }, { device: 'loader' }),
      (e: unknown) => e instanceof RemoteError && e.uri === 'wamp.error.invalid_argument' && /plugin other: config key "times"/.test(e.message));
    await assert.rejects(caller.call('agent.plugins.load', [], { path: 'x' }, { device: 'loader' }),
      (e: unknown) => e instanceof RemoteError && e.uri === 'wamp.error.invalid_argument' && /agent\.plugins\.load: .*use/.test(e.message));
    await assert.rejects(caller.call('agent.plugins.unload', [], { name: 'nope' }, { device: 'loader' }),
      (e: unknown) => e instanceof RemoteError && e.uri === 'wamp.error.invalid_argument' && /no plugin named "nope" is loaded \(loaded: echoer\)/.test(e.message));

    const servedAgain = log.waitFor((l) => l['msg'] === 'good plugin serving' && log.lines.filter((x) => x['msg'] === 'good plugin serving').length === 2);
    await assert.rejects(caller.call('agent.plugins.reload', [], { name: 'echoer', config: { times: 0 } }, { device: 'loader' }),
      (e: unknown) => e instanceof RemoteError && e.uri === 'wamp.error.invalid_argument' && /plugin echoer: config key "times"/.test(e.message));
    const reloaded = (await caller.call('agent.plugins.reload', [], { name: 'echoer', config: { greeting: 'ho' } }, { device: 'loader' })).value as PluginStatus;
    assert.equal(reloaded.state, 'running');
    await servedAgain;
    assert.equal(((await caller.call('test.echo', ['you'], {}, { device: 'loader' })).value as { text: string }).text, 'ho you');

    assert.deepEqual((await caller.call('agent.plugins.unload', [], { name: 'echoer' }, { device: 'loader' })).value, { unloaded: 'echoer' });
    assert.deepEqual(agent.plugins(), []);
    assert.deepEqual((await liveModalities(caller, 'loader')).map((m) => m.name), ['agent']);
    await assert.rejects(caller.call('test.echo', ['x'], {}, { device: 'loader' }), RemoteError);
  });

  it('drains a plugin before unloading it: a call in flight finishes instead of failing', async () => {
    const mesh = await router();
    const { agent, log } = await agentOn(mesh.url, { name: 'drainer', plugins: [{ use: fixture('good') }] });
    await agent.start();
    await serving(log);
    const caller = await client(mesh.url);
    const inFlight = caller.call('test.slow', [400], {}, { device: 'drainer' });
    await log.waitFor((l) => l['msg'] === 'slow call started');
    const unloading = agent.unloadPlugin('good');
    assert.deepEqual((await inFlight).value, { slept: 400, device: agent.identity!.id });
    await unloading;
    await assert.rejects(caller.call('test.slow', [1], {}, { device: 'drainer' }), RemoteError);
  });

  it('restarts a plugin whose modality was killed (on-failure), with a new modality that serves again', async () => {
    const mesh = await router();
    const { agent, log } = await agentOn(mesh.url, { name: 'victim', plugins: [{ use: fixture('good'), backoff: { initialMs: 20, maxMs: 100 } }] });
    await agent.start();
    await serving(log);
    const caller = await client(mesh.url);
    const before = (await liveModalities(caller, 'victim')).find((m) => m.kind === 'echo')!;
    const restarted = pluginState(agent, 'good', (s) => s.restarts === 1 && s.state === 'running');
    const servingAgain = log.waitFor((l) => l['msg'] === 'good plugin serving' && log.lines.filter((x) => x['msg'] === 'good plugin serving').length === 2, 15_000);
    await caller.call('thoth.modality.kill', [before.id]);
    const status = await within(restarted, 15_000, 'the plugin to restart');
    assert.deepEqual(status.lastEnd, { kind: 'killed', modality: before.id });
    await servingAgain;
    const result = (await caller.call('test.echo', ['back'], {}, { device: 'victim' })).value as { modality: number };
    assert.ok(result.modality > before.id, 'a new modality id');
  });

  it("'stop-agent' stops the whole agent when that plugin ends", async () => {
    const mesh = await router();
    const { agent } = await agentOn(mesh.url, { plugins: [{ use: fixture('good') }, { use: fixture('exits'), restart: 'stop-agent' }] });
    await agent.start();
    const { reason } = await within(agent.done, 10_000, 'the agent to stop');
    assert.match(reason, /plugin exits returned/);
    assert.equal(agent.state, 'stopped');
    assert.deepEqual(agent.plugins().map((p) => [p.name, p.state, p.lastEnd?.kind]), [['good', 'stopped', 'stopped'], ['exits', 'stopped', 'returned']]);
  });

  it("restarts a crashing plugin per its policy ('on-failure', with backoff)", async () => {
    const mesh = await router();
    const { agent } = await agentOn(mesh.url, { plugins: [{ use: fixture('throws'), restart: 'on-failure', backoff: { initialMs: 20, maxMs: 100 } }] });
    await agent.start();
    const status = await within(pluginState(agent, 'throws', (s) => s.restarts >= 2), 15_000, 'two restarts');
    assert.ok(status.lastEnd?.kind === 'crashed');
  });

  it('stop() ends within the shutdown deadline even with a plugin stuck in while(true){}', async () => {
    const mesh = await router();
    const { agent } = await agentOn(mesh.url, { name: 'spinner', shutdownDeadlineMs: 1500, plugins: [{ use: fixture('stuck') }, { use: fixture('good') }] });
    await agent.start();
    const caller = await client(mesh.url);
    const began = performance.now();
    await within(agent.stop(), 5000, 'the agent to stop');
    const tookMs = performance.now() - began;
    assert.ok(tookMs >= 1400 && tookMs < 3000, `stop took ${tookMs} ms`);
    assert.deepEqual(agent.plugins().map((p) => [p.name, p.lastEnd]), [['stuck', { kind: 'stopped', forced: true }], ['good', { kind: 'stopped', forced: false }]]);
    assert.equal((await device(caller, 'spinner')).status, 'offline');
    await agent.stop();
    await agent.stop();
    await assert.rejects(agent.loadPlugin({ use: 'system' }), (e: unknown) => e instanceof AgentError && e.code === 'closed');
  });

  it('keeps its id across restarts, without duplicate devices or modalities', async () => {
    const mesh = await router();
    const first = await agentOn(mesh.url, { name: 'phoenix', plugins: [{ use: fixture('good') }] });
    await first.agent.start();
    const id = first.agent.identity!.id;
    await first.agent.stop();
    const second = await agentOn(mesh.url, { name: 'phoenix', plugins: [{ use: fixture('good') }] }, first.dataDir);
    await second.agent.start();
    assert.equal(second.agent.identity!.id, id);
    assert.equal(second.agent.identity!.created, false);
    const caller = await client(mesh.url);
    const devices = (await caller.call('thoth.device.list', [], {})).value as DeviceRecord[];
    assert.deepEqual(devices.map((d) => [d.id, d.status]), [[id, 'online']]);
    assert.deepEqual((await liveModalities(caller, id)).map((m) => m.kind).sort(), ['agent', 'echo']);
  });

  it('registers again by itself after the router restarts, and its plugins add their modalities again', async () => {
    const registryDir = await dirs.make();
    const first = await router({ dataDir: registryDir });
    const { agent, log } = await agentOn(first.url, { name: 'survivor', plugins: [{ use: fixture('good') }] });
    await agent.start();
    await serving(log);
    const id = agent.identity!.id;
    const registeredAgain = agent.next('registered');
    await first.close();
    routers.splice(routers.indexOf(first), 1);
    await router({ port: first.port, dataDir: registryDir });
    await within(registeredAgain, 15_000, 'the agent to register again');
    const caller = await client(first.url);
    assert.equal((await device(caller, 'survivor')).status, 'online');
    const echo = await within((async () => {
      for (;;) {
        const live = await liveModalities(caller, id);
        if (live.some((m) => m.kind === 'echo')) return live;
        await log.waitFor((l) => l['msg'] === 'modalities added again' && l['plugin'] === 'good');
      }
    })(), 15_000, 'the echo modality to be added again');
    assert.deepEqual(echo.map((m) => m.kind).sort(), ['agent', 'echo']);
    const listed = (await caller.call('agent.plugins.list', [], {}, { device: 'survivor' })).value as PluginStatus[];
    assert.equal(listed.length, 1);
    const result = (await caller.call('test.echo', ['again'], {}, { device: 'survivor' })).value as { device: string };
    assert.equal(result.device, id, 'plugin procedures are still tied to the device after the reconnect');
  });

  it('stops when agent.shutdown is called on it', async () => {
    const mesh = await router();
    const { agent } = await agentOn(mesh.url, { name: 'obedient' });
    await agent.start();
    const caller = await client(mesh.url);
    assert.deepEqual((await caller.call('agent.shutdown', [], {}, { device: 'obedient' })).value, { stopping: true, device: agent.identity!.id });
    assert.match((await within(agent.done, 10_000, 'the agent to stop')).reason, /agent\.shutdown/);
  });

  it('fails start() clearly on a bad plugin config, before connecting', async () => {
    const { agent } = await agentOn('ws://127.0.0.1:1/ws', { plugins: [{ use: fixture('good'), config: { mode: 'weird' } }] });
    await assert.rejects(agent.start(), (e: unknown) => e instanceof AgentError && e.code === 'plugin_config' && /^plugin good: config key "mode"/.test(e.message));
    assert.equal(agent.state, 'stopped');
  });

  it('fails start() clearly against a router without the device registry', async () => {
    const plain = new Router();
    const [url] = await plain.listen({ websocket: { host: '127.0.0.1', port: 0 } });
    try {
      const { agent } = await agentOn(url!);
      await assert.rejects(agent.start(), (e: unknown) => e instanceof AgentError && e.code === 'register_failed' && /wamp\.error\.no_such_procedure.*does this router have the device registry/.test(e.message));
      assert.equal(agent.state, 'stopped');
      assert.equal((await agent.done).failed, true);
    } finally {
      await plain.close();
    }
  });

  it('stop() during start() ends the connect retries', async () => {
    const { agent, log } = await agentOn('ws://127.0.0.1:1/ws');
    const starting = agent.start();
    await log.waitFor((l) => l['msg'] === 'cannot reach the router; retrying');
    await agent.stop();
    await assert.rejects(starting, (e: unknown) => e instanceof AgentError && e.code === 'stopped');
  });
});
