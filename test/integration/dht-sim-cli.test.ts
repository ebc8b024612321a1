/** `thoth dht sim` as a process: the printed tables, the SVG chart (by --svg, by default, not with --no-svg), bad flags. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeStatus, killAll } from './support/child.js';
import { runCli, type CliRun } from './support/cli.js';
import { cliMainPath } from './support/paths.js';

/** Failed with exit code 2, and said why in exactly one line on stderr, with no stack trace and no table. */
function assertUsageError(run: CliRun, pattern: RegExp): void {
  assert.equal(run.status.code, 2, `expected exit code 2, got ${describeStatus(run.status)}`);
  const lines = run.stderr.filter((line) => line.trim().length > 0);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${run.stderr.join('\n')}`);
  assert.doesNotMatch(lines[0]!, /^\s+at /);
  assert.match(lines[0]!, pattern);
  assert.deepEqual(run.stdout.filter((line) => line.trim().length > 0), [], 'nothing printed on stdout');
}

/** The cells of the markdown table rows whose first cell is `first`. */
function rowsOf(stdout: readonly string[], first: string): string[][] {
  return stdout
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    .filter((cells) => cells[0] === first);
}

/** Every tag closed in order, one root element: enough to tell a whole SVG from a cut or garbled one. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  for (const match of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      assert.equal(stack.pop(), name, `</${name!}> closes the open element`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
  }
  assert.deepEqual(stack, [], 'every element closed');
  assert.equal(roots, 1, 'one root element');
  const stripped = xml.replace(/<\/?[A-Za-z][\w:-]*(?:\s+[\w:-]+="[^"<]*")*\s*\/?>/g, '');
  assert.doesNotMatch(stripped, /[<>]/, 'no stray markup outside tags');
}

/** `thoth <args>` run in `cwd` (runCli has no cwd), to its exit. */
function runIn(cwd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('THOTH_')) env[key] = value;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cliMainPath(), ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined;
      if (code === undefined) reject(error ?? new Error('no exit code'));
      else resolve({ code, stdout, stderr });
    });
  });
}

describe('thoth dht sim', { timeout: 120_000 }, () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-dht-sim-'));
  });

  after(async () => {
    await killAll();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('--nodes 200,400 --fail 0.1: a row per N, the hop distribution, the failure phases, and an SVG with a point per N', async () => {
    const svg = join(dir, 'x.svg');
    const run = await runCli(['dht', 'sim', '--nodes', '200,400', '--fail', '0.1', '--svg', svg], 60_000);
    assert.equal(run.status.code, 0, run.stderr.join('\n'));
    const meanHops = new Map<number, number>();
    for (const nodes of [200, 400]) {
      const summary = rowsOf(run.stdout, String(nodes)).find((cells) => cells.length === 11 && !cells[1]!.endsWith('%'));
      assert.ok(summary, `a summary row for N = ${nodes}:\n${run.stdout.join('\n')}`);
      const [, b, l, m, , lookups, correct, hops, log16] = summary;
      assert.deepEqual([b, l, m, lookups, correct], ['4', '16', '32', '10000', '100.0%']);
      const mean = Number(hops);
      assert.ok(mean > 1 && mean <= Number(log16) + 1, `N = ${nodes}: mean hops ${hops}, log16 N ${log16!}`);
      meanHops.set(nodes, mean);

      const distribution = rowsOf(run.stdout, String(nodes)).find((cells) => cells.slice(1).every((cell) => /^\d+\.\d%$/.test(cell)));
      assert.ok(distribution, `a hop distribution row for N = ${nodes}`);
      const total = distribution.slice(1).reduce((sum, cell) => sum + Number(cell.slice(0, -1)), 0);
      assert.ok(Math.abs(total - 100) < 0.5, `N = ${nodes}: the distribution sums to ${total}%`);

      const phases = rowsOf(run.stdout, String(nodes)).filter((cells) => cells.length === 8 && /^(no failures|before repair|after repair)/.test(cells[2]!));
      assert.deepEqual(
        phases.map((cells) => [cells[1], cells[2]!.replace(/ \(.*\)$/, '')]),
        [[String(nodes / 10), 'no failures'], [String(nodes / 10), 'before repair'], [String(nodes / 10), 'after repair']],
        `failure phases for N = ${nodes}`,
      );
      const [noFailures, beforeRepair, afterRepair] = phases.map((cells) => ({ correct: cells[3], hops: Number(cells[4]), dead: Number(cells[6]) }));
      assert.equal(noFailures!.hops, mean, 'the no-failure phase is the summary measurement');
      assert.ok(beforeRepair!.dead > 0, 'lookups before repair ran into dead nodes');
      assert.ok(beforeRepair!.hops > noFailures!.hops, 'dead next hops cost hops before repair');
      assert.equal(afterRepair!.correct, '100.0%');
      assert.equal(afterRepair!.dead, 0, 'no dead node left in any state after repair');
    }
    assert.ok(run.stdout.some((line) => /^peak memory \(max RSS\): \d+ MB$/.test(line)));
    assert.ok(run.stdout.includes(`chart of mean hops against N written to ${svg}`), run.stdout.join('\n'));

    const chart = await readFile(svg, 'utf8');
    assert.match(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
    assert.match(chart, /<\/svg>\n$/);
    assertWellFormed(chart);
    const points = [...chart.matchAll(/<circle [^>]*data-nodes="(\d+)" data-hops="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.deepEqual(points, [...meanHops.entries()], 'one point per N, at the printed mean hops');
  });

  test('without --svg the chart goes to ./thoth-dht-sim.svg; --no-svg writes none', async () => {
    const cwd = await mkdtemp(join(dir, 'cwd-'));
    const written = await runIn(cwd, ['dht', 'sim', '--nodes', '50', '--lookups', '200']);
    assert.equal(written.code, 0, written.stderr);
    const path = join(cwd, 'thoth-dht-sim.svg');
    assert.match(written.stdout, new RegExp(`^chart of mean hops against N written to ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assertWellFormed(await readFile(path, 'utf8'));

    const other = await mkdtemp(join(dir, 'cwd-'));
    const skipped = await runIn(other, ['dht', 'sim', '--nodes', '50', '--lookups', '200', '--no-svg']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /^\| 50 \| 4 \| 16 \| 32 \|/m);
    assert.doesNotMatch(skipped.stdout, /chart/);
    assert.equal(existsSync(join(other, 'thoth-dht-sim.svg')), false);
  });

  const bad: [string, string[], RegExp][] = [
    ['--nodes 0', ['--nodes', '0'], /^thoth: --nodes: expected an integer >= 1, got "0"$/],
    ['--nodes 200,x', ['--nodes', '200,x'], /^thoth: --nodes: expected an integer >= 1, got "x"$/],
    ['--b 9', ['--nodes', '200', '--b', '9'], /^thoth: --b: expected an integer in 1\.\.8, got "9"$/],
    ['--l 15', ['--nodes', '200', '--l', '15'], /^thoth: --l: expected an even number, got "15"$/],
    ['--fail 1', ['--nodes', '200', '--fail', '1'], /^thoth: --fail: expected a number in \[0, 1\), got "1"$/],
    ['--svg in a missing directory', ['--nodes', '200', '--svg', '/nonexistent-thoth-dir/x.svg'], /^thoth: --svg: cannot write to the directory of \/nonexistent-thoth-dir\/x\.svg$/],
    ['no --nodes', [], /^error: required option '--nodes <n\[,n\.\.\.\]>' not specified$/],
    ['an unknown flag', ['--nodes', '200', '--bogus'], /^error: unknown option '--bogus'$/],
  ];
  for (const [name, args, pattern] of bad) {
    test(`${name}: a one-line error and exit code 2`, async () => {
      assertUsageError(await runCli(['dht', 'sim', ...args]), pattern);
    });
  }
});
