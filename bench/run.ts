/**
 * npm run bench [-- --quick] [-- --only "rawsocket msgpack small x64"] [-- --profile <dir>]
 *
 * Routed echo through a thoth router (router, SDK callee, SDK caller: three
 * processes) against a bare TCP relay baseline (relay, callee, caller: three
 * processes), for every transport x serializer x payload x outstanding cell;
 * then the mesh sections (bench/mesh-bench.ts): device-targeted call overhead
 * and registry size; then the DHT sections (bench/dht-bench.ts: lookups on a 20-node
 * loopback overlay against direct requests, simulator time and peak memory at N = 10,000 and
 * 100,000, the latter left out by --quick unless --dht-full); then the soak (bench/soak.ts:
 * one million routed calls, router RSS over time, lost and duplicated results; alone with
 * --only soak). Prints
 * markdown tables; asserts nothing but the soak's checks (exit 1 after printing when a
 * result was lost, duplicated, misrouted or failed, or RSS grew past maxRssGrowthMb).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runRelayCell, runThothCell, running, type CellResult, type Timing } from './cell.js';
import { formatMachine, machineInfo } from './machine.js';
import { meshSections, runMeshSections, sectionMatches } from './mesh-bench.js';
import { dhtSectionMatches, dhtSections, runDhtSections } from './dht-bench.js';
import { formatSummary, summarizeProfile } from './profile.js';
import { defaultSoak, runSoak, soakChildren, type SoakReport } from './soak.js';
import { allScenarios, matchesFilter, relayKey, scenarioLabel, type Scenario } from './scenarios.js';
import { cpuTable, errorLines, markdownTable, targetLines, timingLine, type Row } from './table.js';

const usage = `usage: node dist/bench/run.js [--quick] [--only <words>] [--warmup-ms N] [--duration-ms N] [--no-relay] [--profile <dir>]
  --only      run the cells whose label has every word, e.g. "rawsocket msgpack small x64", "mesh", "mesh targeted x64", "mesh registry memory";
              "soak" runs only the soak (one million routed calls; also part of the default run)
  --soak-calls  calls of the soak (default 1000000)
  --quick     200 ms warm-up + 500 ms per cell, and no N = 100000 DHT simulation (about two minutes and 400 MB)
  --dht-full  simulate N = 100000 DHT nodes even with --quick; --only "dht sim 100000" runs it alone
  --profile   run every process under node --cpu-prof into <dir>/<cell>/<role>/ and print where its time went`;

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

function parse(): { timing: Timing; only: string | undefined; relay: boolean; profileDir: string | undefined; soakCalls: number; dhtFull: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'warmup-ms': { type: 'string' },
      'duration-ms': { type: 'string' },
      'no-relay': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'soak-calls': { type: 'string' },
      'dht-full': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const timing: Timing = values.quick ? { warmupMs: 200, durationMs: 500 } : { warmupMs: 2000, durationMs: 4000 };
  timing.warmupMs = positiveInt(values['warmup-ms'], 'warmup-ms') ?? timing.warmupMs;
  timing.durationMs = positiveInt(values['duration-ms'], 'duration-ms') ?? timing.durationMs;
  return {
    timing, only: values.only, relay: !values['no-relay'], profileDir: values.profile ? resolve(values.profile) : undefined,
    soakCalls: positiveInt(values['soak-calls'], 'soak-calls') ?? defaultSoak.calls,
    // N = 100,000 is part of the default run (issue 5: "simulator time and peak memory for N = 10,000 and 100,000").
    dhtFull: !values.quick || values['dht-full'] || (values.only ?? '').split(/[\s,]+/).includes('100000'),
  };
}

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function main(): Promise<void> {
  const { timing, only, relay, profileDir, soakCalls, dhtFull } = parse();
  // The soak alone, when asked for by name.
  if (only !== undefined && only.split(/[\s,]+/).includes('soak')) {
    const machine = machineInfo();
    const soak = await runSoak({ ...defaultSoak, calls: soakCalls }, progress);
    process.stdout.write(`${[formatMachine(machine), '', soak.markdown].join('\n')}\n`);
    failOnSoak(soak);
    return;
  }
  const scenarios = allScenarios().filter((s) => matchesFilter(s, only));
  const mesh = meshSections().filter((s) => sectionMatches(s, only));
  const dht = dhtSections(dhtFull).filter((s) => dhtSectionMatches(s, only));
  if (scenarios.length === 0 && mesh.length === 0 && dht.length === 0) {
    throw new Error(`--only '${only}' matches no cell; labels look like "rawsocket msgpack small x64", "mesh targeted x64", "mesh registry memory", "dht lookups", "dht sim 10000"`);
  }
  const machine = machineInfo();
  // Relay cell first, then the thoth cells that compare with it, so slow drift on a shared machine hits both alike.
  scenarios.sort((a, b) => relayKey(a).localeCompare(relayKey(b)) || a.transport.localeCompare(b.transport));
  const relayCells = new Map<string, CellResult>();
  const rows: Row[] = [];
  for (const s of scenarios) {
    const key = relayKey(s);
    if (relay && !relayCells.has(key)) {
      progress(`relay ${key} ...`);
      relayCells.set(key, await runRelayCell(s, timing, profileDir && cellDir(profileDir, s)));
    }
    progress(`thoth ${scenarioLabel(s)} ...`);
    rows.push({ scenario: s, thoth: await runThothCell(s, timing, profileDir && cellDir(profileDir, s)), relay: relayCells.get(key) });
  }
  const order = allScenarios().map(scenarioLabel);
  rows.sort((a, b) => order.indexOf(scenarioLabel(a.scenario)) - order.indexOf(scenarioLabel(b.scenario)));

  const out = [formatMachine(machine), `- ${timingLine(timing)}`];
  if (rows.length > 0) {
    out.push(
      '',
      markdownTable(rows),
      '',
      targetLines(rows),
      '',
      'CPU time per call inside the measured window (user + system, per process), and cores busy (all three processes; the machine has ' + machine.cpus + '):',
      '',
      cpuTable(rows),
    );
  }
  const errors = errorLines(rows);
  if (errors) out.push('', errors);
  if (mesh.length > 0) out.push('', await runMeshSections(mesh, timing, progress));
  if (dht.length > 0) out.push('', await runDhtSections(dht, timing, dhtFull, progress));
  // The soak runs in the default run too (about 15 s on a 2-CPU machine); --only <cells> leaves it out.
  const soak = only === undefined ? await runSoak({ ...defaultSoak, calls: soakCalls }, progress) : undefined;
  if (soak !== undefined) out.push('', soak.markdown);
  process.stdout.write(`${out.join('\n')}\n`);

  if (profileDir) {
    for (const s of scenarios) {
      for (const role of ['router', 'caller', 'callee', 'relay', 'relay-caller', 'relay-callee']) {
        const dir = join(cellDir(profileDir, s), role);
        if (!existsSync(dir)) continue;
        for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
          process.stdout.write(`\n## ${role} profile, ${scenarioLabel(s)} (${join(dir, file)})\n\n${formatSummary(summarizeProfile(join(dir, file)), 25)}\n`);
        }
      }
    }
  }
  if (soak !== undefined) failOnSoak(soak);
}

/** After the table is printed: a soak check that failed makes the run exit non-zero. */
function failOnSoak(soak: SoakReport): void {
  if (soak.failures.length === 0) return;
  process.stderr.write(`soak failed: ${soak.failures.join('; ')}\n`);
  process.exitCode = 1;
}

function cellDir(root: string, s: Scenario): string {
  return join(root, scenarioLabel(s).replace(/\s+/g, '-'));
}

process.on('SIGINT', () => {
  for (const child of running) child.kill();
  for (const child of soakChildren) child.kill();
  process.exit(130);
});

main().catch((error: unknown) => {
  for (const child of running) child.kill();
  for (const child of soakChildren) child.kill();
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
