/** The `thoth` command line against a router process: call, publish, subscribe, and router start-up errors. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../support/repo-root.js';
import { startCallee } from './support/apps.js';
import { describeStatus, killAll } from './support/child.js';
import { runCli, startCli, type CliRun } from './support/cli.js';
import { startRouterProcess, type RouterProcess } from './support/router-process.js';

/** Failed, and said why in exactly one line on stderr, with no stack trace. */
function assertOneLineFailure(run: CliRun, pattern: RegExp): string {
  assert.notEqual(run.status.code, 0, `expected a failure exit, got ${describeStatus(run.status)}`);
  assert.equal(run.status.signal, null);
  const lines = run.stderr.filter((line) => line.trim().length > 0);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${run.stderr.join('\n')}`);
  const line = lines[0]!;
  assert.doesNotMatch(line, /^\s+at /);
  assert.match(line, pattern);
  return line;
}

describe('the thoth CLI', { timeout: 60_000, concurrency: 3 }, () => {
  let dir: string;
  let router: RouterProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-it-'));
    router = await startRouterProcess();
    await startCallee({ url: router.rawUrl, serializer: 'msgpack', name: 'echo', procedures: [{ uri: 'test.echo', behavior: 'echo' }] });
  });

  after(async () => {
    await killAll();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('thoth --version prints the package version, from whatever build folder it runs', async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    assert.equal(run.status.code, 0, run.stderr.join('\n'));
    assert.deepEqual(run.stdout, [version]);
  });

  test('thoth call prints the result as JSON (WebSocket, JSON)', async () => {
    const run = await runCli(['call', 'test.echo', '"hi"', '42', '--url', router.wsUrl]);
    assert.equal(run.status.code, 0, run.stderr.join('\n'));
    assert.deepEqual(run.stdout.map((line) => JSON.parse(line) as unknown), [{ args: ['hi', 42], kwargs: {} }]);
  });

  test('thoth call with one plain-string argument prints that value (RawSocket, MessagePack)', async () => {
    const run = await runCli(['call', 'test.echo', 'hello', '--url', router.rawUrl, '--serializer', 'msgpack']);
    assert.equal(run.status.code, 0, run.stderr.join('\n'));
    assert.deepEqual(run.stdout, ['"hello"']);
  });

  test('thoth call of a missing procedure exits non-zero with one line naming the URI', async () => {
    const run = await runCli(['call', 'no.such.proc', '--url', router.wsUrl]);
    const line = assertOneLineFailure(run, /no\.such\.proc/);
    assert.match(line, /wamp\.error\.no_such_procedure/);
    assert.deepEqual(run.stdout, []);
  });

  test('thoth call with no router to reach exits non-zero with one line', async () => {
    const probe = join(dir, 'nobody-listens.sock');
    const run = await runCli(['call', 'test.echo', '--url', `unix://${probe}`]);
    assertOneLineFailure(run, /cannot reach the router/);
  });

  test('thoth subscribe --count 1 prints the event that thoth publish sends, then exits 0', async () => {
    const subscriber = startCli(['subscribe', 'test.cli.topic', '--count', '1', '--url', router.wsUrl]);
    await subscriber.waitForLine((line) => line.includes('subscribed to test.cli.topic'), { stream: 'stderr', what: "'subscribed to'" });
    const publish = await runCli(['publish', 'test.cli.topic', '{"x":1}', '2', '--kwargs', '{"k":true}', '--url', router.rawUrl, '--serializer', 'msgpack']);
    assert.equal(publish.status.code, 0, publish.stderr.join('\n'));
    const status = await subscriber.waitForExit(10_000);
    assert.equal(status.code, 0, subscriber.lines.stderr.join('\n'));
    assert.deepEqual(subscriber.lines.stdout.map((line) => JSON.parse(line) as unknown), [
      { topic: 'test.cli.topic', args: [{ x: 1 }, 2], kwargs: { k: true } },
    ]);
  });

  test('thoth router --config with an unknown key exits non-zero naming the key', async () => {
    const configPath = join(dir, 'bad.yaml');
    await writeFile(configPath, 'limits:\n  maxMessageBytes: 65536\nbogusKey: 1\n');
    const run = await runCli(['router', '--port', '0', '--rawsocket-port', '0', '--config', configPath]);
    assertOneLineFailure(run, /bogusKey/);
  });

  test('thoth router --config with an unknown nested key names it', async () => {
    const configPath = join(dir, 'bad-nested.yaml');
    await writeFile(configPath, 'websocket:\n  prot: 80\n');
    const run = await runCli(['router', '--port', '0', '--rawsocket-port', '0', '--config', configPath]);
    assertOneLineFailure(run, /prot/);
  });

  test('thoth router --host 0.0.0.0 refuses to start, saying why', async () => {
    const run = await runCli(['router', '--host', '0.0.0.0', '--port', '0', '--rawsocket-port', '0']);
    const line = assertOneLineFailure(run, /0\.0\.0\.0/);
    assert.match(line, /refus/);
    assert.match(line, /loopback/);
  });
});
