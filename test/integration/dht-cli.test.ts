/**
 * `thoth dht status | put | get | remove | route` against a router process and two agent
 * processes whose DHT nodes join one overlay through the router (no address given to them).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeStatus, killAll, spawnNode, type Child } from './support/child.js';
import { runCli, type CliRun } from './support/cli.js';
import { cliMainPath } from './support/paths.js';
import { startRouterProcess, type RouterProcess } from './support/router-process.js';

interface Status { id: string; port: number; leafSet: { smaller: { id: string }[]; larger: { id: string }[] }; storage: { keys: number; path: string } }

function succeeded(run: CliRun): string {
  assert.equal(run.status.code, 0, `exit ${describeStatus(run.status)}; stderr:\n${run.stderr.join('\n')}`);
  assert.equal(run.stdout.length, 1, run.stdout.join('\n'));
  return run.stdout[0]!;
}

describe('thoth dht against a router and two agents', { timeout: 120_000 }, () => {
  let dir: string;
  let router: RouterProcess;
  const agents = new Map<string, { child: Child; dataDir: string; node: string }>();

  async function startAgent(name: string, dataDir: string): Promise<void> {
    const config = join(dir, 'agent.json');
    const child = spawnNode(cliMainPath(), ['agent', '--router', router.wsUrl, '--name', name, '--data-dir', dataDir, '--config', config, '--shutdown-deadline', '1000'], { name: `agent ${name}` });
    const running = await child.waitForJson((line) => line['msg'] === 'DHT node running', { what: "'DHT node running'", timeoutMs: 20_000 });
    await child.waitForJson((line) => line['msg'] === 'agent running', { what: "'agent running'", timeoutMs: 20_000 });
    agents.set(name, { child, dataDir, node: String(running['id']) });
  }

  const dht = (...args: string[]): Promise<CliRun> => runCli(['dht', ...args, '--url', router.wsUrl]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-dht-cli-'));
    await writeFile(join(dir, 'agent.json'), JSON.stringify({ plugins: [] }));
    router = await startRouterProcess();
    await startAgent('one', join(dir, 'one'));
    await startAgent('two', join(dir, 'two'));
  });

  after(async () => {
    await killAll();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('status names the node, its leaf set (the other agent) and its store', async () => {
    const status = JSON.parse(succeeded(await dht('status', '--json', '--device', 'two'))) as Status;
    assert.equal(status.id, agents.get('two')!.node);
    assert.deepEqual([...status.leafSet.smaller, ...status.leafSet.larger].map((peer) => peer.id), [agents.get('one')!.node]);
    assert.equal(status.storage.path, join(dir, 'two', 'dht', 'store.db'));
    const text = await dht('status', '--device', 'one');
    assert.equal(text.status.code, 0);
    assert.match(text.stdout[0] ?? '', new RegExp(`^node +${agents.get('one')!.node} at 127\\.0\\.0\\.1:\\d+ \\(running\\)$`));
  });

  test('put through one device, get through the other; remove; a missing key exits 1', async () => {
    const put = JSON.parse(succeeded(await dht('put', '--device', 'one', 'shopping', '{"items":["milk","tea"]}'))) as Record<string, unknown>;
    assert.deepEqual(put.value, { items: ['milk', 'tea'] });
    assert.equal(put.writer, agents.get('one')!.node);
    assert.deepEqual(JSON.parse(succeeded(await dht('get', '--device', 'two', 'shopping'))), put);
    assert.deepEqual(JSON.parse(succeeded(await dht('put', 'greeting', 'hello there'))).value, 'hello there', 'a plain string value, any device');
    const routed = JSON.parse(succeeded(await dht('route', 'shopping'))) as { root: { id: string }; hops: number };
    assert.ok([agents.get('one')!.node, agents.get('two')!.node].includes(routed.root.id));

    assert.equal(JSON.parse(succeeded(await dht('remove', '--device', 'two', 'shopping'))).removed, true);
    const missing = await dht('get', '--device', 'one', 'shopping');
    assert.equal(missing.status.code, 1);
    assert.deepEqual(missing.stdout, []);
    assert.deepEqual(missing.stderr, ['thoth: no value under "shopping"']);
  });

  test('bad input is one clear line', async () => {
    const empty = await dht('put', '', '1');
    assert.equal(empty.status.code, 1);
    assert.deepEqual(empty.stderr, ['thoth: wamp.error.invalid_argument: agent.dht.put: key: a key is a non-empty string']);
    const version = await dht('put', '--at-version', '-3', 'k', '1');
    assert.equal(version.status.code, 2);
    assert.match(version.stderr.join('\n'), /--at-version must be a whole number from 0 to/);
  });

  test('an agent restarted on its data dir keeps its node id and values', async () => {
    succeeded(await dht('put', '--device', 'one', 'kept', '7'));
    const two = agents.get('two')!;
    two.child.signal('SIGTERM');
    assert.equal((await two.child.waitForExit(15_000)).code, 0);
    await startAgent('two', two.dataDir);
    assert.equal(agents.get('two')!.node, two.node, 'same id');
    assert.equal(JSON.parse(succeeded(await dht('get', '--device', 'two', 'kept'))).value, 7);
  });
});
