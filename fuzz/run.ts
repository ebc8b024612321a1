/**
 * npm run fuzz [-- --minutes N] [-- --seed S] [-- --kinds random-bytes,invalid-state]
 *
 * The in-suite fuzz generators (test/fuzz), run for minutes against one in-process
 * router: batches of each kind in turn, progress on stderr, a summary on stdout
 * (cases per kind, how the bad sessions ended, per-step answers of the grammar).
 * Exits 1 on the first broken invariant (a crash, an uncaught exception, a session
 * ended without a reason, a wrong answer, a bystander that stopped working), printing
 * the case and the seed that reproduces it.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { runCase } from './cases.js';
import { arbitraries, fuzzKinds, type FuzzCase, type FuzzKind } from './generators.js';
import { FuzzTarget } from './target.js';

const usage = 'usage: node dist/fuzz/run.js [--minutes N (default 5)] [--seed S] [--kinds k1,k2] (kinds: ' + fuzzKinds.join(', ') + ')';
const BATCH = 50;

function options(): { minutes: number; seed: number; kinds: FuzzKind[] } {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, seed: { type: 'string' }, kinds: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const minutes = values.minutes === undefined ? 5 : Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes must be a positive number, got '${values.minutes}'`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);
  const kinds = values.kinds === undefined ? fuzzKinds : values.kinds.split(',').map((k) => k.trim()) as FuzzKind[];
  for (const kind of kinds) if (!fuzzKinds.includes(kind)) throw new Error(`unknown kind '${kind}'; ${usage}`);
  return { minutes, seed, kinds };
}

class Tally {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  rows(): [string, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}

function table(title: string, header: string, rows: [string, number][]): string {
  return [`### ${title}`, '', `| ${header} | cases |`, '|---|--:|', ...rows.map(([k, n]) => `| ${k} | ${n} |`)].join('\n');
}

async function main(): Promise<void> {
  const { minutes, seed, kinds } = options();
  const uncaught: unknown[] = [];
  process.on('uncaughtException', (error) => uncaught.push(error));
  process.on('unhandledRejection', (error) => uncaught.push(error));
  const target = await FuzzTarget.start();
  const perKind = new Tally();
  const endings = new Tally();
  const answers = new Tally();
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  let batch = 0;
  let lastReport = started;
  let failure: { error: unknown; fuzzCase: FuzzCase; batchSeed: number; index: number } | undefined;
  process.stderr.write(`fuzzing for ${minutes} min, seed ${seed}, kinds ${kinds.join(', ')}\n`);
  run: while (Date.now() < deadline) {
    const kind = kinds[batch % kinds.length]!;
    const batchSeed = (seed + batch) | 0;
    const cases = fc.sample(arbitraries[kind] as fc.Arbitrary<FuzzCase>, { seed: batchSeed, numRuns: BATCH });
    for (const [index, fuzzCase] of cases.entries()) {
      try {
        const outcome = await runCase(target, fuzzCase);
        if (uncaught.length > 0) throw uncaught[0];
        perKind.add(kind);
        endings.add(`${kind}: ${outcome.ending}`);
        for (const answer of outcome.answers) answers.add(answer);
      } catch (error) {
        failure = { error, fuzzCase, batchSeed, index };
        break run;
      }
      if (Date.now() >= deadline) break run;
    }
    batch++;
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      const total = perKind.rows().reduce((sum, [, n]) => sum + n, 0);
      const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
      process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0)} s: ${total} cases (${perKind.rows().map(([k, n]) => `${k} ${n}`).join(', ')}), rss ${rss} MiB\n`);
    }
  }
  let leak: string | undefined;
  if (failure === undefined) {
    try {
      await target.settled();
      await target.checkBystander();
    } catch (error) {
      leak = (error as Error).message;
    }
  }
  await target.close();

  const total = perKind.rows().reduce((sum, [, n]) => sum + n, 0);
  const seconds = (Date.now() - started) / 1000;
  const out = [
    `## Fuzz run: ${total} cases in ${seconds.toFixed(0)} s, seed ${seed}`,
    '',
    table('Cases per kind', 'kind', perKind.rows()),
    '',
    table('How the bad sessions ended', 'kind: ending', endings.rows()),
    '',
    table('Invalid-state grammar: answers per step', 'state: step -> answer', answers.rows()),
    '',
    `Crashes: ${failure === undefined && leak === undefined && uncaught.length === 0 ? 0 : 1}; uncaught exceptions: ${uncaught.length}; bystander failures: ${failure !== undefined && String(failure.error).includes('bystander') ? 1 : 0}.`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (failure !== undefined) {
    const error = failure.error as Error;
    process.stdout.write(`\nFAILED on case ${failure.index} of the batch with seed ${failure.batchSeed} (run seed ${seed}):\n${JSON.stringify(failure.fuzzCase, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}\n${error.stack ?? String(error)}\n`);
    process.exitCode = 1;
  } else if (leak !== undefined || uncaught.length > 0) {
    process.stdout.write(`\nFAILED after the run: ${leak ?? String(uncaught[0])}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
