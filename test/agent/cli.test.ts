import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Session } from '../../src/client/index.js';
import { killAll, spawnNode, type Child } from '../integration/support/child.js';
import { runCli } from '../integration/support/cli.js';
import { cliMainPath } from '../integration/support/paths.js';
import { fixture, observer, startMeshRouter, TempDirs, type MeshRouter } from './support.js';

const dirs = new TempDirs();

function thoth(args: readonly string[]): Child {
  return spawnNode(cliMainPath(), args, { name: `thoth ${args[0] ?? ''}` });
}

async function running(child: Child): Promise<Record<string, unknown>> {
  return child.waitForJson((line) => line['msg'] === 'agent running', { what: "the 'agent running' line", timeoutMs: 20_000 });
}

describe('thoth agent, devices, modalities, call --device/--select (CLI)', () => {
  let mesh: MeshRouter;
  let watcher: Session;

  before(async () => {
    mesh = await startMeshRouter();
    watcher = await observer(mesh.url);
  });
  afterEach(() => killAll());
  after(async () => {
    await watcher.close();
    await mesh.close();
    await dirs.cleanup();
  });

  it('--help lists the flags derived from each configured plugin', async () => {
    const run = await runCli(['agent', '--help', '--plugin', fixture('good')]);
    assert.equal(run.status.code, 0, run.stderr.join('\n'));
    const text = run.stdout.join('\n');
    assert.match(text, /--good\.greeting <text>\s+what echo says first; default: "hello"/);
    assert.match(text, /--good\.mode <plain\|fancy>/);
    assert.match(text, /--good\.words <a,b,...>/);
    assert.match(text, /--good\.loud \[true\|false\]/);
    assert.doesNotMatch(text, /--good\.nested/);
  });

  it('refuses bad flags and plugin configs with a message naming them, before connecting', async () => {
    const cases: [string[], RegExp][] = [
      [['--plugin', fixture('good'), '--good.times', '0'], /^thoth: plugin good: config key "times": /],
      [['--plugin', fixture('good'), '--good.mode', 'odd'], /^thoth: --good\.mode: expected one of plain, fancy, got "odd"/],
      [['--plugin', fixture('good'), '--good.colour', 'red'], /^thoth: --good\.colour: the plugin good has no config key "colour"/],
      [['--plugin', fixture('good'), '--fs.roots', '/x'], /^thoth: --fs\.roots: no plugin named "fs" is configured/],
      [['--tag', 'Room=x'], /^thoth: --tag: Room: a tag name is/],
      [['--router', 'nowhere'], /^thoth: --router: must be a URL/],
      [['--plugin', '/nonexistent/plugin.js'], /^thoth: cannot load plugin "\/nonexistent\/plugin\.js"/],
    ];
    for (const [args, pattern] of cases) {
      const dataDir = await dirs.make();
      const run = await runCli(['agent', '--router', 'ws://127.0.0.1:1/ws', '--data-dir', dataDir, '--log-level', 'silent', ...args]);
      assert.notEqual(run.status.code, 0, args.join(' '));
      assert.match(run.stderr.join('\n'), pattern, args.join(' '));
    }
  });

  it('runs an agent the other commands can see and target; SIGTERM stops it cleanly', async () => {
    const dataDir = await dirs.make();
    const agent = thoth(['agent', '--router', mesh.url, '--name', 'cli-box', '--tag', 'room=lab', '--data-dir', dataDir, '--plugin', fixture('good'), '--good.greeting', 'ahoy', '--shutdown-deadline', '2000']);
    const ready = await running(agent);
    const id = String(ready['device']);
    await agent.waitForJson((line) => line['msg'] === 'good plugin serving', { what: 'the plugin serving', timeoutMs: 10_000 });

    const devices = await runCli(['devices', '--url', mesh.url]);
    assert.equal(devices.status.code, 0, devices.stderr.join('\n'));
    assert.match(devices.stdout[0] ?? '', /^NAME\s+ID\s+STATUS\s+PLATFORM\s+IPS\s+TAGS\s+LAST SEEN\s+MODALITIES$/);
    const row = devices.stdout.find((line) => line.startsWith('cli-box'));
    assert.ok(row, devices.stdout.join('\n'));
    assert.match(row, new RegExp(`^cli-box\\s+${id}\\s+online\\s+${process.platform}/${process.arch}\\s+\\S+\\s+room=lab\\s+(now|\\d+s ago)\\s+agent,echo$`));

    const json = await runCli(['devices', '--url', mesh.url, '--json', '--status', 'online', '--tag', 'room=lab']);
    const records = JSON.parse(json.stdout.join('\n')) as { id: string; name: string }[];
    assert.deepEqual(records.map((r) => [r.id, r.name]), [[id, 'cli-box']]);
    const none = await runCli(['devices', '--url', mesh.url, '--status', 'offline']);
    assert.deepEqual(none.stdout, ['no devices']);

    const modalities = await runCli(['modalities', '--url', mesh.url, '--device', 'cli-box']);
    assert.match(modalities.stdout[0] ?? '', /^ID\s+DEVICE\s+KIND\s+NAME\s+STATUS\s+PROCEDURES$/);
    assert.ok(modalities.stdout.some((l) => /^\d+\s+cli-box\s+echo\s+good\s+live\s+test\.echo,test\.slow$/.test(l)), modalities.stdout.join('\n'));
    assert.ok(modalities.stdout.some((l) => /^\d+\s+cli-box\s+agent\s+agent\s+live\s+agent\.plugins\.list/.test(l)), modalities.stdout.join('\n'));

    const byDevice = await runCli(['call', '--url', mesh.url, '--device', 'cli-box', 'test.echo', 'sailor']);
    assert.equal(byDevice.status.code, 0, byDevice.stderr.join('\n'));
    assert.equal((JSON.parse(byDevice.stdout[0] ?? '{}') as { text: string }).text, 'ahoy sailor');
    const bySelector = await runCli(['call', '--url', mesh.url, '--select', 'kind=echo,room=lab', 'test.echo', 'x']);
    assert.equal((JSON.parse(bySelector.stdout[0] ?? '{}') as { device: string }).device, id);
    const noMatch = await runCli(['call', '--url', mesh.url, '--select', 'kind=echo,room=attic', 'test.echo', 'x']);
    assert.equal(noMatch.status.code, 1);
    assert.match(noMatch.stderr.join('\n'), /thoth\.error\.no_matching_device/);
    const badSelector = await runCli(['call', '--url', mesh.url, '--select', 'kind', 'test.echo']);
    assert.equal(badSelector.status.code, 2);
    assert.match(badSelector.stderr.join('\n'), /--select: expected key=value/);

    agent.signal('SIGTERM');
    const status = await agent.waitForExit(10_000);
    assert.deepEqual(status, { code: 0, signal: null });
    const record = (await watcher.call('thoth.device.get', [id])).value as { status: string };
    assert.equal(record.status, 'offline');
  });

  it('thoth up runs a router with this machine as a device with the built-in modalities', async () => {
    const dataDir = await dirs.make();
    const up = thoth(['up', '--port', '0', '--rawsocket-port', '0', '--data-dir', dataDir, '--name', 'upbox', '--fs.roots', dataDir, '--media.roots', dataDir]);
    const ready = await up.waitForJson((line) => line['msg'] === 'router ready', { what: "'router ready'", timeoutMs: 20_000 });
    const url = (ready['urls'] as string[]).find((u) => u.startsWith('ws://'))!;
    await running(up);
    const modalities = await runCli(['modalities', '--url', url, '--json']);
    const kinds = (JSON.parse(modalities.stdout.join('\n')) as { kind: string }[]).map((m) => m.kind).sort();
    assert.deepEqual(kinds, ['agent', 'fs', 'notify', 'speaker', 'system']);
    const listed = await runCli(['call', '--url', url, '--device', 'upbox', 'fs.list', '--kwargs', JSON.stringify({ path: dataDir })]);
    assert.equal(listed.status.code, 0, listed.stderr.join('\n'));
    assert.ok((JSON.parse(listed.stdout[0] ?? '{}') as { entries: { name: string }[] }).entries.some((e) => e.name === 'device-key.pem'));
    up.signal('SIGINT');
    assert.deepEqual(await up.waitForExit(15_000), { code: 0, signal: null });
  });
});
