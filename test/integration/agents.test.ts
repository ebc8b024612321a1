/**
 * Agents as real processes (each with its own data dir) around a router
 * process: registration, device-targeted and selector routing, kill and drop
 * failing calls in flight, kill -9 and SIGSTOP (a device gone silent), restarts
 * keeping the device id, a router restart, plugin crashes and a plugin stuck in
 * an endless loop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { RemoteError, type Session } from '../../src/client/index.js';
import { fixture } from '../agent/support.js';
import { killAll, spawnNode, type Child } from './support/child.js';
import { rejection, within } from './support/deadline.js';
import { cliMainPath } from './support/paths.js';
import { startRouterProcess, type RouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';

interface DeviceRecord { id: string; name: string; status: string; tags: Record<string, string>; hostname: string; interfaces: { mac: string; addresses: string[] }[]; modalities: ModalityRecord[] }
interface ModalityRecord { id: number; device: string; kind: string; name: string; status: string }
interface Agent { child: Child; id: string; name: string; dataDir: string }

const heartbeatIntervalMs = 200;
const heartbeatTimeoutMs = 1500;

describe('agents as processes', { timeout: 180_000 }, () => {
  const pool = new SessionPool();
  const temporary: string[] = [];
  let registryDir: string;
  let configPath: string;
  let router: RouterProcess;
  let watcher: Session;
  const agents = new Map<string, Agent>();

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'thoth-agents-'));
    temporary.push(dir);
    return dir;
  }

  async function startAgent(name: string, args: string[], dataDir?: string): Promise<Agent> {
    const dir = dataDir ?? await tempDir();
    const child = spawnNode(cliMainPath(), ['agent', '--router', router.wsUrl, '--name', name, '--data-dir', dir, '--shutdown-deadline', '1000', ...args], { name: `agent ${name}` });
    const ready = await child.waitForJson((line) => line['msg'] === 'agent running', { what: "'agent running'", timeoutMs: 20_000 });
    if (args.includes(fixture('good'))) await child.waitForJson((line) => line['msg'] === 'good plugin serving', { what: 'the good plugin serving', timeoutMs: 10_000 });
    const agent = { child, id: String(ready['device']), name, dataDir: dir };
    agents.set(name, agent);
    return agent;
  }

  /** The next stdout JSON line of `child` with this msg, printed after the call. */
  function nextLine(child: Child, msg: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const seen = child.lines.stdout.length;
    return child.waitForLine((line) => child.lines.stdout.indexOf(line) >= seen && line.includes(`"msg":"${msg}"`), { what: `a '${msg}' line`, timeoutMs })
      .then((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async function device(target: string): Promise<DeviceRecord> {
    return (await watcher.call('thoth.device.get', [target])).value as DeviceRecord;
  }

  /** Resolves once device `name` has `status`, re-checked on every device event. */
  async function deviceStatus(name: string, status: string, timeoutMs: number): Promise<number> {
    const began = performance.now();
    let wake = (): void => undefined;
    const subscriptions = await Promise.all(['thoth.device.on_online', 'thoth.device.on_offline', 'thoth.device.on_updated'].map((topic) => watcher.subscribe(topic, () => wake())));
    try {
      await within((async () => {
        for (;;) {
          const changed = new Promise<void>((resolve) => { wake = resolve; });
          if ((await device(name)).status === status) return;
          await changed;
        }
      })(), timeoutMs, `device ${name} to be ${status}`);
    } finally {
      await Promise.all(subscriptions.map((s) => s.unsubscribe()));
    }
    return performance.now() - began;
  }

  before(async () => {
    registryDir = await tempDir();
    configPath = join(registryDir, 'router.json');
    await writeFile(configPath, JSON.stringify({ dataDir: registryDir, mesh: { heartbeatIntervalMs, heartbeatTimeoutMs } }));
    router = await startRouterProcess({ configPath });
    watcher = await pool.connect(router.wsUrl);
    await Promise.all([
      startAgent('kitchen', ['--tag', 'room=kitchen', '--plugin', fixture('good'), '--good.greeting', 'kitchen']),
      startAgent('living', ['--tag', 'room=living', '--plugin', fixture('good'), '--good.greeting', 'living']),
      startAgent('study', ['--tag', 'room=study', '--plugin', fixture('good'), '--plugin', 'fs', '--fs.roots', registryDir]),
    ]);
  });

  after(async () => {
    await pool.closeAll();
    await killAll();
    await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('each agent registers its device with its details, heartbeats keep it online', async () => {
    const devices = (await watcher.call('thoth.device.list', [], { status: 'online' })).value as DeviceRecord[];
    assert.deepEqual(devices.map((d) => d.name).sort(), ['kitchen', 'living', 'study']);
    assert.equal(new Set(devices.map((d) => d.id)).size, 3);
    for (const d of devices) {
      assert.equal(d.id, agents.get(d.name)!.id);
      assert.deepEqual(d.tags, { room: d.name });
      assert.ok(d.hostname.length > 0);
      assert.deepEqual(d.modalities.map((m) => m.kind).sort(), d.name === 'study' ? ['agent', 'echo', 'fs'] : ['agent', 'echo']);
    }
  });

  test('device-targeted calls land on the named device, every one of many', async () => {
    const caller = await pool.connect(router.rawUrl, 'msgpack');
    const counts = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const name = ['kitchen', 'living', 'study'][i % 3]!;
      const target = i % 2 === 0 ? name : agents.get(name)!.id;
      const result = (await caller.call('test.echo', [i], {}, { device: target })).value as { device: string };
      assert.equal(result.device, agents.get(name)!.id, `call ${i} to ${target}`);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    assert.deepEqual([...counts.values()], [20, 20, 20]);
    const plugins = (await caller.call('agent.plugins.list', [], {}, { device: 'study' })).value as { name: string }[];
    assert.deepEqual(plugins.map((p) => p.name), ['good', 'fs']);
  });

  test('selector routing: kind and tags pick the device; no match is an error at once', async () => {
    for (const room of ['kitchen', 'living']) {
      const result = (await watcher.call('test.echo', ['x'], {}, { select: { kind: 'echo', room } })).value as { device: string; text: string };
      assert.equal(result.device, agents.get(room)!.id);
      assert.equal(result.text, `${room} x`);
    }
    const study = (await watcher.call('agent.plugins.list', [], {}, { select: { room: 'study' } })).value as { name: string }[];
    assert.deepEqual(study.map((p) => p.name), ['good', 'fs']);
    const fs = (await watcher.call('fs.stat', [], { path: registryDir }, { select: { kind: 'fs' } })).value as { type: string };
    assert.equal(fs.type, 'directory');
    const error = await rejection(watcher.call('test.echo', ['x'], {}, { select: { kind: 'echo', room: 'attic' } }), 2000, 'a call nobody matches');
    assert.ok(error instanceof RemoteError && error.uri === 'thoth.error.no_matching_device', String(error));
  });

  test('an fs path that escapes the root is refused', async () => {
    const error = await rejection(watcher.call('fs.stat', [], { path: join(registryDir, '..', '..', 'etc') }, { device: 'study' }), 5000, 'fs.stat outside the root');
    assert.ok(error instanceof RemoteError && /outside/.test(error.uri), String(error));
  });

  test('killing a modality fails its call in flight at once', async () => {
    const kitchen = agents.get('kitchen')!;
    const echo = (await device('kitchen')).modalities.find((m) => m.kind === 'echo')!;
    const started = nextLine(kitchen.child, 'slow call started');
    const call = watcher.call('test.slow', [30_000], {}, { device: 'kitchen' });
    await started;
    const killedAt = performance.now();
    await watcher.call('thoth.modality.kill', [echo.id]);
    const error = await rejection(call, 2000, 'the call to the killed modality');
    assert.ok(error instanceof RemoteError && error.uri === 'thoth.error.modality_killed', String(error));
    assert.ok(performance.now() - killedAt < 1000);
  });

  test('dropping a device fails its calls in flight at once; its running agent registers it again', async () => {
    const living = agents.get('living')!;
    const started = nextLine(living.child, 'slow call started');
    const call = watcher.call('test.slow', [30_000], {}, { device: 'living' });
    await started;
    const registeredAgain = nextLine(living.child, 'device registered');
    const droppedAt = performance.now();
    assert.deepEqual((await watcher.call('thoth.device.drop', ['living'])).value, { dropped: living.id, modalities: 2 });
    const error = await rejection(call, 2000, 'the call to the dropped device');
    assert.ok(error instanceof RemoteError && error.uri === 'thoth.error.device_dropped', String(error));
    assert.ok(performance.now() - droppedAt < 1000);
    await registeredAgain;
    await deviceStatus('living', 'online', 10_000);
  });

  test('a device gone silent (SIGSTOP) goes offline within the heartbeat window, and comes back', async () => {
    const kitchen = agents.get('kitchen')!;
    kitchen.child.signal('SIGSTOP');
    try {
      const tookMs = await deviceStatus('kitchen', 'offline', heartbeatTimeoutMs * 3);
      assert.ok(tookMs < heartbeatTimeoutMs * 2, `offline after ${Math.round(tookMs)} ms`);
    } finally {
      kitchen.child.signal('SIGCONT');
    }
    await deviceStatus('kitchen', 'online', 15_000);
  });

  test('kill -9: the device goes offline and calls in flight fail; restarted, it keeps its id without duplicates', async () => {
    const living = agents.get('living')!;
    const started = nextLine(living.child, 'slow call started');
    const call = watcher.call('test.slow', [30_000], {}, { device: 'living' });
    await started;
    living.child.signal('SIGKILL');
    const error = await rejection(call, 3000, 'the call to the killed agent');
    assert.ok(error instanceof RemoteError && ['thoth.error.callee_gone', 'thoth.error.device_offline'].includes(error.uri), String(error));
    await deviceStatus('living', 'offline', heartbeatTimeoutMs * 2);

    const again = await startAgent('living', ['--tag', 'room=living', '--plugin', fixture('good')], living.dataDir);
    assert.equal(again.id, living.id);
    const record = await device(living.id);
    assert.equal(record.status, 'online');
    const live = (await watcher.call('thoth.modality.list', [], { device: living.id, status: 'live' })).value as ModalityRecord[];
    assert.deepEqual(live.map((m) => m.kind).sort(), ['agent', 'echo']);
    const devices = (await watcher.call('thoth.device.list', [], { name: 'living' })).value as DeviceRecord[];
    assert.equal(devices.length, 1);
  });

  test('a crashing plugin is restarted per its policy', async () => {
    const crashy = await startAgent('crashy', ['--plugin', fixture('throws')]);
    const restarted = await crashy.child.waitForJson((line) => line['msg'] === 'plugin ended; restarting it' && line['plugin'] === 'throws', { what: 'a restart', timeoutMs: 10_000 });
    assert.equal(restarted['end'], 'crashed');
    const { code, signal } = await (async () => { crashy.child.signal('SIGTERM'); return crashy.child.waitForExit(10_000); })();
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });

  test('SIGTERM stops an agent within its deadline even with a plugin stuck in while(true){}', async () => {
    const spinner = await startAgent('spinner', ['--plugin', fixture('stuck')]);
    const began = performance.now();
    spinner.child.signal('SIGTERM');
    assert.deepEqual(await spinner.child.waitForExit(10_000), { code: 0, signal: null });
    const tookMs = performance.now() - began;
    assert.ok(tookMs < 4000, `the agent took ${Math.round(tookMs)} ms to stop with a 1000 ms deadline`);
    assert.ok(spinner.child.lines.stdout.some((l) => l.includes('"msg":"plugin did not stop in time; terminating its thread"')));
    await deviceStatus('spinner', 'offline', 5000);
  });

  test('after a router restart the agents reconnect and register again by themselves', async () => {
    const registered = ['kitchen', 'living', 'study'].map((name) => nextLine(agents.get(name)!.child, 'device registered', 30_000));
    const port = new URL(router.wsUrl).port;
    const rawPort = new URL(router.rawUrl).port;
    assert.deepEqual(await router.stop(), { code: 0, signal: null });
    await pool.closeAll();
    const child = spawnNode(cliMainPath(), ['router', '--port', port, '--rawsocket-port', rawPort, '--config', configPath, '--log-level', 'info'], { name: 'router again' });
    await child.waitForJson((line) => line['msg'] === 'router ready', { what: "'router ready'", timeoutMs: 15_000 });
    await Promise.all(registered);
    watcher = await pool.connect(`ws://127.0.0.1:${port}/ws`);
    for (const name of ['kitchen', 'living', 'study']) {
      assert.equal((await device(name)).status, 'online', name);
      const result = (await within(retryUntilTied(watcher, name), 15_000, `test.echo on ${name} after the restart`)) as { device: string };
      assert.equal(result.device, agents.get(name)!.id);
    }
  });
});

/** test.echo on `device`, retried on each modality event until its plugin has added its modality again. */
async function retryUntilTied(session: Session, device: string): Promise<unknown> {
  let wake = (): void => undefined;
  const subscription = await session.subscribe('thoth.modality.on_added', () => wake());
  try {
    for (;;) {
      const added = new Promise<void>((resolve) => { wake = resolve; });
      try {
        return (await session.call('test.echo', ['again'], {}, { device })).value;
      } catch (error) {
        if (!(error instanceof RemoteError) || !['thoth.error.no_matching_device', 'wamp.error.no_such_procedure'].includes(error.uri)) throw error;
      }
      await added;
    }
  } finally {
    await subscription.unsubscribe();
  }
}
