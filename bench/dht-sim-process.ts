/** One simulator run (src/dht/simulator) of `nodes` nodes in this process: build time, total time, CPU and peak RSS. */
import { simulate } from '../src/dht/simulator/simulate.js';
import { childConfig, emit, fail, maxRssKb, processSample } from './lines.js';
import type { DhtSimConfig, DhtSimResult } from './dht-types.js';

function main(): void {
  const config = childConfig<DhtSimConfig>();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = simulate({ nodes: config.nodes, lookups: config.lookups, seed: config.seed, fail: 0 });
  const cpu = process.cpuUsage(cpuBefore);
  const result: DhtSimResult = {
    nodes: config.nodes,
    buildMs: report.buildMs,
    totalMs: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKb: maxRssKb(),
    meanHops: report.lookups.meanHops,
    correct: report.lookups.correct,
    lookups: report.lookups.lookups,
    tableEntries: report.fill.meanEntries,
  };
  emit({ event: 'result', result, self: processSample() });
  process.exit(0);
}

try {
  main();
} catch (error) {
  fail(error);
}
