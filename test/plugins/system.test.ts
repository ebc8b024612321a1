import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import system, { systemProcedures } from '../../src/plugins/system/index.js';
import { batteryReport } from '../../src/plugins/system/battery.js';
import { isRemoteError, runPlugin, tempDir, type PluginRun } from './harness.js';

const names = Object.values(systemProcedures).map((p) => p.name);

describe('system plugin', () => {
  let run: PluginRun;
  before(async () => { run = await runPlugin(system, names); });
  after(() => run.close());

  it('system.info describes this host', async () => {
    const info = (await run.caller.call('system.info')).value as Record<string, unknown>;
    assert.equal(info['hostname'], os.hostname());
    assert.equal(info['platform'], process.platform);
    assert.equal(info['arch'], process.arch);
    assert.equal(info['release'], os.release());
    assert.equal(info['node'], process.versions.node);
    const cpus = info['cpus'] as { model: string; count: number };
    assert.ok(cpus.count >= 1 && typeof cpus.model === 'string');
    const memory = info['memory'] as { total: number; free: number; used: number };
    assert.equal(memory.total, os.totalmem());
    assert.equal(memory.used, memory.total - memory.free);
    assert.equal((info['load'] as number[]).length, 3);
    assert.ok((info['uptime'] as number) > 0);
    const interfaces = info['interfaces'] as Array<{ name: string; mac: string; internal: boolean; addresses: string[] }>;
    const loopback = interfaces.find((i) => i.internal);
    assert.ok(loopback, 'a loopback interface is listed');
    assert.ok(loopback.addresses.some((a) => a.startsWith('127.0.0.1/')), `loopback addresses: ${loopback.addresses.join(', ')}`);
    for (const i of interfaces) assert.match(i.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });

  it('system.uptime, system.load, system.memory', async () => {
    const { uptime } = (await run.caller.call('system.uptime')).value as { uptime: number };
    assert.ok(uptime > 0 && Math.abs(uptime - os.uptime()) < 60);
    const load = (await run.caller.call('system.load')).value as { load: number[]; cpus: number };
    assert.equal(load.load.length, 3);
    assert.ok(load.cpus >= 1);
    const memory = (await run.caller.call('system.memory')).value as { total: number; free: number; used: number };
    assert.equal(memory.total, os.totalmem());
    assert.ok(memory.free > 0 && memory.free <= memory.total);
  });

  it('system.battery answers whether or not there is a battery', async () => {
    const report = (await run.caller.call('system.battery')).value as { present: boolean };
    assert.deepEqual(report, await batteryReport());
  });

  it('refuses arguments it does not take', async () => {
    await assert.rejects(run.caller.call('system.info', [], { verbose: true }), isRemoteError('wamp.error.invalid_argument', '"verbose": unknown key'));
  });

  it('main() returns after abort and withdraws its procedures', async () => {
    run.controller.abort();
    await run.done;
    await assert.rejects(run.caller.call('system.uptime'), isRemoteError('wamp.error.no_such_procedure'));
  });
});

describe('batteryReport', () => {
  let dir: string;
  before(async () => { dir = await tempDir(); });
  after(() => rm(dir, { recursive: true, force: true }));

  const battery = async (root: string, name: string, files: Record<string, string>): Promise<void> => {
    await mkdir(join(root, name), { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(root, name, file), text);
  };

  it('is absent without BAT* entries, without the directory, and off Linux', async () => {
    const supplies = join(dir, 'ac-only');
    await battery(supplies, 'AC', { online: '1\n' });
    assert.deepEqual(await batteryReport(supplies, 'linux'), { present: false });
    assert.deepEqual(await batteryReport(join(dir, 'missing'), 'linux'), { present: false });
    assert.deepEqual(await batteryReport(supplies, 'darwin'), { present: false });
  });

  it('reads capacity and status, averaging several batteries', async () => {
    const supplies = join(dir, 'laptop');
    await battery(supplies, 'BAT0', { capacity: '81\n', status: 'Discharging\n' });
    await battery(supplies, 'BAT1', { capacity: '40\n', status: 'Full\n' });
    await battery(supplies, 'AC', { online: '0\n' });
    assert.deepEqual(await batteryReport(supplies, 'linux'), {
      present: true,
      capacity: 61,
      status: 'Discharging',
      batteries: [
        { name: 'BAT0', capacity: 81, status: 'Discharging' },
        { name: 'BAT1', capacity: 40, status: 'Full' },
      ],
    });
  });

  it('reports unreadable or garbled values as null instead of failing', async () => {
    const supplies = join(dir, 'odd');
    await battery(supplies, 'BAT0', { capacity: 'n/a\n' });
    assert.deepEqual(await batteryReport(supplies, 'linux'), {
      present: true, capacity: null, status: null, batteries: [{ name: 'BAT0', capacity: null, status: null }],
    });
  });
});
