import type { CellResult, Timing } from './cell.js';
import { relayKey, scenarioLabel, type Scenario } from './scenarios.js';

export interface Row {
  scenario: Scenario;
  thoth: CellResult;
  relay: CellResult | undefined;
}

interface Target {
  transport: Scenario['transport'];
  serializer: Scenario['serializer'];
  minRatio: number;
}

/** The targets: small payload, 64 outstanding, thoth SDK on both ends. */
export const targets: readonly Target[] = [
  { transport: 'rawsocket', serializer: 'msgpack', minRatio: 0.8 },
  { transport: 'websocket', serializer: 'json', minRatio: 0.6 },
];

const int = (n: number): string => Math.round(n).toString();
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : '-');
const mb = (kb: number): string => (kb / 1024).toFixed(1);

export function ratioOf(row: Row): number | undefined {
  return row.relay ? row.thoth.load.callsPerSecond / row.relay.load.callsPerSecond : undefined;
}

export function markdownTable(rows: readonly Row[]): string {
  const header = [
    '| transport | serializer | payload | outstanding | thoth calls/s | relay calls/s | ratio | p50 ms | p99 ms | relay p50 ms | relay p99 ms | router peak RSS MB | relay peak RSS MB |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const lines = rows.map((row) => {
    const { scenario: s, thoth, relay } = row;
    const ratio = ratioOf(row);
    return `| ${s.transport} | ${s.serializer} | ${s.payload} | ${s.outstanding} | ${int(thoth.load.callsPerSecond)} | ${relay ? int(relay.load.callsPerSecond) : '-'} | ${ratio === undefined ? '-' : ratio.toFixed(2)} | ${ms(thoth.load.latency.p50Ms)} | ${ms(thoth.load.latency.p99Ms)} | ${relay ? ms(relay.load.latency.p50Ms) : '-'} | ${relay ? ms(relay.load.latency.p99Ms) : '-'} | ${mb(thoth.middleMaxRssKb)} | ${relay ? mb(relay.middleMaxRssKb) : '-'} |`;
  });
  return [...header, ...lines].join('\n');
}

export function targetLines(rows: readonly Row[]): string {
  return targets
    .map((t) => {
      const name = `${t.transport} + ${t.serializer}, small payload, 64 outstanding: thoth/relay >= ${t.minRatio}`;
      const row = rows.find((r) => r.scenario.transport === t.transport && r.scenario.serializer === t.serializer && r.scenario.payload === 'small' && r.scenario.outstanding === 64);
      const ratio = row && ratioOf(row);
      if (ratio === undefined) return `- target ${name}: not measured in this run`;
      return `- target ${name}: ${ratio >= t.minRatio ? 'met' : 'NOT met'} (ratio ${ratio.toFixed(2)})`;
    })
    .join('\n');
}

export function errorLines(rows: readonly Row[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    for (const [who, cell] of [['thoth', row.thoth], ['relay', row.relay]] as const) {
      if (cell && cell.load.errors > 0) lines.push(`- ${who} ${who === 'relay' ? relayKey(row.scenario) : scenarioLabel(row.scenario)}: ${cell.load.errors} failed calls, first: ${cell.load.firstError ?? '?'}`);
    }
  }
  return lines.length === 0 ? '' : `Failed calls (these cells are suspect):\n${lines.join('\n')}`;
}

export function timingLine(timing: Timing): string {
  return `Each cell: ${timing.warmupMs} ms warm-up, then ${timing.durationMs} ms measured; latency is send-to-result per call, p50/p99 by nearest rank.`;
}

function cpuPerCall(cell: CellResult): number {
  const { caller, middle, callee } = cell.usage;
  return (caller.cpuMicros + middle.cpuMicros + callee.cpuMicros) / Math.max(1, cell.load.calls);
}

/**
 * CPU time per call in each process during the window, cores kept busy by all
 * three, the middle process's syscalls per call, and relay CPU per call over
 * thoth CPU per call: what the calls/s ratio tends to when the three processes
 * are CPU-bound on cores of their own, whatever else the machine is doing.
 */
export function cpuTable(rows: readonly Row[]): string {
  const cells = (cell: CellResult | undefined): string => {
    if (!cell) return '- | - | - | - | -';
    const calls = Math.max(1, cell.load.calls);
    const { caller, middle, callee } = cell.usage;
    const perCall = (micros: number): string => (micros / calls).toFixed(1);
    const cores = ((caller.cpuMicros + middle.cpuMicros + callee.cpuMicros) / 1000 / cell.load.elapsedMs).toFixed(2);
    const syscalls = `${(middle.readCalls / calls).toFixed(2)} / ${(middle.writeCalls / calls).toFixed(2)}`;
    return `${perCall(caller.cpuMicros)} | ${perCall(middle.cpuMicros)} | ${perCall(callee.cpuMicros)} | ${cores} | ${syscalls}`;
  };
  return [
    '| transport | serializer | payload | outstanding | thoth caller µs/call | router µs/call | thoth callee µs/call | thoth cores busy | router reads / writes per call | relay caller µs/call | relay µs/call | relay callee µs/call | relay cores busy | relay reads / writes per call | CPU ratio relay/thoth |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map((r) => `| ${r.scenario.transport} | ${r.scenario.serializer} | ${r.scenario.payload} | ${r.scenario.outstanding} | ${cells(r.thoth)} | ${cells(r.relay)} | ${r.relay ? (cpuPerCall(r.relay) / cpuPerCall(r.thoth)).toFixed(2) : '-'} |`),
  ].join('\n');
}
