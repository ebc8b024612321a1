import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/client/index.js';
import { systemClock } from '../../src/agent/clock.js';
import { resolvePluginSpec } from '../../src/agent/config.js';
import { PluginHost } from '../../src/agent/plugin-host.js';
import { preparePlugin, type PreparedPlugin } from '../../src/agent/prepare.js';
import { captureLogger, fixture, observer, startMeshRouter, TempDirs, within, type MeshRouter } from './support.js';

const device = { id: 'hosttestdevice01', name: 'host-test' };

describe('plugin host (one worker thread per plugin run)', () => {
  const dirs = new TempDirs();
  let mesh: MeshRouter;
  let agentSession: Session;
  let caller: Session;
  let dataDir: string;
  const hosts: PluginHost[] = [];

  before(async () => {
    mesh = await startMeshRouter();
    agentSession = await observer(mesh.url);
    await agentSession.call('thoth.device.register', [], { id: device.id, name: device.name });
    caller = await observer(mesh.url);
    dataDir = await dirs.make();
  });

  after(async () => {
    await Promise.all(hosts.map((h) => h.stop(100)));
    await Promise.all([agentSession.close(), caller.close()]);
    await mesh.close();
    await dirs.cleanup();
  });

  function host(plugin: PreparedPlugin, logger = captureLogger().logger, router = mesh.url): PluginHost {
    const h = new PluginHost({ plugin, router, realm: 'thoth', device, dataDir, logLevel: 'debug', reconnect: { initialMs: 50, maxMs: 200 }, logger, clock: systemClock, stopDeadlineMs: 1000 });
    hosts.push(h);
    return h;
  }

  const prepare = (name: string, config: Record<string, unknown> = {}): Promise<PreparedPlugin> => preparePlugin(resolvePluginSpec({ use: fixture(name), config }));

  it('runs a well-behaved plugin: modality added, procedure tied to the device, logs forwarded, stops when asked', async () => {
    const { logger, waitFor } = captureLogger();
    const run = host(await prepare('good', { greeting: 'hi' }), logger);
    await within(run.started, 10_000, 'the good plugin to start');
    assert.equal(run.modalities.length, 1);
    const modality = run.modalities[0]!;
    assert.ok(modality.id > 0);
    assert.deepEqual({ kind: modality.kind, name: modality.name, details: modality.details }, { kind: 'echo', name: 'good', details: { test: true } });

    await waitFor((l) => l['msg'] === 'good plugin serving' && l['level'] === 30);
    const echoed = await caller.call('test.echo', ['there'], {}, { device: device.name });
    assert.deepEqual(echoed.value, { text: 'hi there', device: device.id, modality: modality.id });
    const listed = (await caller.call('thoth.modality.list', [], { device: device.id, status: 'live' })).value as { id: number; kind: string; procedures: string[] }[];
    assert.deepEqual(listed.map((m) => [m.id, m.kind, [...m.procedures].sort()]), [[modality.id, 'echo', ['test.echo', 'test.slow']]]);
    assert.match(await readFile(join(dataDir, 'plugins', 'good', 'started'), 'utf8'), /^\d+$/);

    assert.deepEqual(await within(run.stop(5000), 6000, 'the good plugin to stop'), { kind: 'stopped', forced: false });
    const after = (await caller.call('thoth.modality.list', [], { device: device.id, status: 'live' })).value as unknown[];
    assert.deepEqual(after, [], 'its modality is gone with its session');
  });

  it('ends the run when the router kills its modality', async () => {
    const { logger, waitFor } = captureLogger();
    const run = host(await prepare('good'), logger);
    await within(run.started, 10_000, 'the good plugin to start');
    await waitFor((l) => l['msg'] === 'good plugin serving');
    const id = run.modalities[0]!.id;
    await caller.call('thoth.modality.kill', [id]);
    assert.deepEqual(await within(run.ended, 10_000, 'the killed plugin to end'), { kind: 'killed', modality: id });
  });

  it('reports a plugin whose main() throws as crashed in main, with the error', async () => {
    const run = host(await prepare('throws'));
    const end = await within(run.ended, 10_000, 'the throwing plugin to end');
    assert.equal(end.kind, 'crashed');
    assert.ok(end.kind === 'crashed' && end.phase === 'main' && end.error.message === 'this plugin always fails', JSON.stringify(end));
  });

  it('reports a plugin whose main() returns at once as returned', async () => {
    const run = host(await prepare('exits'));
    assert.deepEqual(await within(run.ended, 10_000, 'the exiting plugin to end'), { kind: 'returned' });
  });

  it('reports an exception thrown outside main() as a crash of the thread', async () => {
    const run = host(await prepare('async-throw'));
    const end = await within(run.ended, 10_000, 'the thread to die');
    assert.ok(end.kind === 'crashed' && end.phase === 'thread' && end.error.message.includes('thrown from a timer'), JSON.stringify(end));
  });

  it('terminates a plugin stuck in while(true){} at the deadline', async () => {
    const run = host(await prepare('stuck'));
    await within(run.started, 10_000, 'the stuck plugin to start');
    const began = performance.now();
    const end = await within(run.stop(300), 5000, 'the stuck plugin to be terminated');
    const tookMs = performance.now() - began;
    assert.deepEqual(end, { kind: 'stopped', forced: true });
    assert.ok(tookMs >= 290 && tookMs < 2000, `stop took ${tookMs} ms`);
  });

  it('fails in the worker when the config is bad there (phase config) or the router is unreachable (phase connect)', async () => {
    const good = await prepare('good');
    const bad = host({ ...good, config: { times: 'many' } });
    const badEnd = await within(bad.ended, 10_000, 'the misconfigured plugin to end');
    assert.ok(badEnd.kind === 'crashed' && badEnd.phase === 'config' && /^plugin good: config key "times"/.test(badEnd.error.message), JSON.stringify(badEnd));

    const unreachable = host(good, undefined, 'ws://127.0.0.1:1/ws');
    const end = await within(unreachable.ended, 15_000, 'the unconnected plugin to end');
    assert.ok(end.kind === 'crashed' && end.phase === 'connect', JSON.stringify(end));
  });
});
