/**
 * Device-targeted call overhead: one router with the mesh, one callee process
 * with three simulated devices (one session each, all registering bench.echo
 * round robin), one caller running windows of each CallMode in the order
 * ABC CBA ABC CBA, so slow drift on a shared machine hits every mode alike.
 */
import type { Timing } from './cell.js';
import type { Child } from './children.js';
import { sampleDelta, type ProcessSample } from './lines.js';
import { READY_TIMEOUT_MS, rawSocketUrl, startChild } from './mesh-spawn.js';
import { BENCH_HEARTBEAT_TIMEOUT_MS, callModes, type BenchDevice, type CallerResult, type CallMode, type MeshCallerConfig, type TargetingCost } from './mesh-types.js';
import type { LatencySummary } from './stats.js';

/** The device the targeted calls name (by name, as `thoth call --device bench` would), and two others. */
export const benchDevices: readonly BenchDevice[] = [
  { id: 'bench-dev-1', name: 'bench' },
  { id: 'bench-dev-2', name: 'bench-2' },
  { id: 'bench-dev-3', name: 'bench-3' },
];
/** ABC CBA ABC CBA: each mode four times, as often early as late. */
const ROUND: readonly CallMode[] = [...callModes, ...[...callModes].reverse()];
const WINDOWS: readonly CallMode[] = [...ROUND, ...ROUND];
const WINDOWS_PER_MODE = WINDOWS.length / callModes.length;

export interface ModeStats {
  calls: number;
  elapsedMs: number;
  callsPerSecond: number;
  /** calls/s of each window of this mode, in run order. */
  windows: number[];
  latency: LatencySummary;
  caller: ProcessSample;
  router: ProcessSample;
  callee: ProcessSample;
  errors: number;
  firstError: string | undefined;
}

export interface TargetedResult {
  outstanding: number;
  modes: Record<CallMode, ModeStats>;
  targeting: TargetingCost;
  routerMaxRssKb: number;
}

const zero = (): ProcessSample => ({ cpuMicros: 0, readCalls: 0, writeCalls: 0 });
const add = (a: ProcessSample, b: ProcessSample): ProcessSample => ({ cpuMicros: a.cpuMicros + b.cpuMicros, readCalls: a.readCalls + b.readCalls, writeCalls: a.writeCalls + b.writeCalls });

async function sample(children: readonly Child[]): Promise<ProcessSample[]> {
  for (const child of children) child.send('sample');
  return Promise.all(children.map(async (child) => (await child.take('sample', READY_TIMEOUT_MS)).sample));
}

/** Each mode gets the run's duration in all, over its windows. */
export function windowLength(timing: Timing): number {
  return Math.max(1, Math.round(timing.durationMs / WINDOWS_PER_MODE));
}

/** Each mode's warm-up: a third of the run's, but at least 200 ms, so --quick does not measure a cold JIT. */
export function warmupPerMode(timing: Timing): number {
  return Math.max(200, Math.round(timing.warmupMs / callModes.length));
}

export async function runTargeted(outstanding: number, timing: Timing): Promise<TargetedResult> {
  const router = startChild('mesh-router-process', { dataDir: ':memory:', heartbeatTimeoutMs: BENCH_HEARTBEAT_TIMEOUT_MS });
  let callee: Child | undefined;
  let caller: Child | undefined;
  try {
    const url = rawSocketUrl((await router.take('ready', READY_TIMEOUT_MS)).urls ?? []);
    callee = startChild('mesh-callee-process', { url, serializer: 'msgpack', devices: benchDevices });
    await callee.take('ready', READY_TIMEOUT_MS);
    const windowMs = windowLength(timing);
    const settleMs = Math.min(100, Math.max(1, Math.round(timing.warmupMs / 4)));
    const warmupMs = warmupPerMode(timing);
    const target = benchDevices[0]!;
    const config: MeshCallerConfig = {
      url, serializer: 'msgpack', payload: 'small', outstanding, warmupMs, settleMs, windowMs,
      windows: [...WINDOWS], target: target.name, targetId: target.id, deviceIds: benchDevices.map((d) => d.id),
    };
    caller = startChild('mesh-caller-process', config);

    const usage: { router: ProcessSample; callee: ProcessSample }[] = [];
    for (let i = 0; i < WINDOWS.length; i++) {
      await caller.take('window', (i === 0 ? warmupMs * callModes.length : settleMs) + READY_TIMEOUT_MS);
      const [routerStart, calleeStart] = await sample([router, callee]);
      await caller.take('window', windowMs + READY_TIMEOUT_MS);
      const [routerEnd, calleeEnd] = await sample([router, callee]);
      if (!routerStart || !calleeStart || !routerEnd || !calleeEnd) throw new Error('missing CPU samples');
      usage.push({ router: sampleDelta(routerStart, routerEnd), callee: sampleDelta(calleeStart, calleeEnd) });
    }
    const line = await caller.take('result', 60_000);
    await caller.exit;
    await callee.finish();
    await router.finish();
    const exit = await router.take('exit', 1000);
    const result = line.result as CallerResult;
    return { outstanding, modes: aggregate(result, usage), targeting: result.targeting, routerMaxRssKb: exit.maxRssKb };
  } finally {
    for (const child of [caller, callee, router]) child?.kill();
  }
}

function aggregate(result: CallerResult, usage: readonly { router: ProcessSample; callee: ProcessSample }[]): Record<CallMode, ModeStats> {
  const empty = (mode: CallMode): ModeStats => ({
    calls: 0, elapsedMs: 0, callsPerSecond: 0, windows: [], latency: result.latency[mode],
    caller: zero(), router: zero(), callee: zero(), errors: 0, firstError: undefined,
  });
  const modes: Record<CallMode, ModeStats> = { plain: empty('plain'), device: empty('device'), spread: empty('spread') };
  result.windows.forEach((w, i) => {
    const m = modes[w.mode];
    m.calls += w.load.calls;
    m.elapsedMs += w.load.elapsedMs;
    m.windows.push(w.load.callsPerSecond);
    m.caller = add(m.caller, w.self);
    m.router = add(m.router, usage[i]?.router ?? zero());
    m.callee = add(m.callee, usage[i]?.callee ?? zero());
    m.errors += w.load.errors;
    m.firstError ??= w.load.firstError;
  });
  for (const m of Object.values(modes)) m.callsPerSecond = m.calls / (m.elapsedMs / 1000);
  return modes;
}

const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : '-');

const modeLabel: Record<CallMode, string> = {
  plain: 'plain, 1 callee',
  device: "device 'bench', 1 of 3",
  spread: 'plain, round robin over 3',
};

export function targetedTable(results: readonly TargetedResult[]): string {
  const rows = results.flatMap((r) => callModes.map((mode) => {
    const m = r.modes[mode];
    const calls = Math.max(1, m.calls);
    const per = (micros: number): string => (micros / calls).toFixed(1);
    const ratio = (m.callsPerSecond / r.modes.plain.callsPerSecond).toFixed(2);
    return `| ${r.outstanding} | ${modeLabel[mode]} | ${Math.round(m.callsPerSecond)} | ${m.windows.map((w) => Math.round(w)).join(', ')} | ${ratio} | ${ms(m.latency.p50Ms)} | ${ms(m.latency.p99Ms)} | ${per(m.caller.cpuMicros)} | ${per(m.router.cpuMicros)} | ${per(m.callee.cpuMicros)} | ${(m.router.readCalls / calls).toFixed(2)} / ${(m.router.writeCalls / calls).toFixed(2)} |`;
  }));
  return [
    '| outstanding | call | calls/s | calls/s per window | vs plain, 1 callee | p50 ms | p99 ms | caller µs/call | router µs/call | callee process µs/call | router reads / writes per call |',
    '|--:|---|--:|---|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

const routerMicrosPerCall = (m: ModeStats): number => m.router.cpuMicros / Math.max(1, m.calls);
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

/**
 * The issue's target: a device-targeted call within 10% of a plain call's
 * calls/s, both reaching the same callee; the router's CPU per call alongside,
 * the steadier figure on a shared machine.
 */
export function targetedTargetLines(results: readonly TargetedResult[]): string {
  return results.map((r) => {
    const { plain, device } = r.modes;
    const ratio = device.callsPerSecond / plain.callsPerSecond;
    const medians = median(device.windows) / median(plain.windows);
    const verdict = ratio >= 0.9 ? 'met' : medians >= 0.9 ? 'NOT met on totals, met on per-window medians' : 'NOT met';
    const cpu = routerMicrosPerCall(device) / routerMicrosPerCall(plain);
    return `- target device-targeted calls/s within 10% of a plain call to the same callee, ${r.outstanding} outstanding: ${verdict} (ratio ${ratio.toFixed(2)}, of per-window medians ${medians.toFixed(2)}; router CPU per call targeted/plain ${cpu.toFixed(2)}, ${signed(routerMicrosPerCall(device) - routerMicrosPerCall(plain))} µs)`;
  }).join('\n');
}

export function targetedErrorLines(results: readonly TargetedResult[]): string[] {
  return results.flatMap((r) => callModes
    .filter((mode) => r.modes[mode].errors > 0)
    .map((mode) => `- mesh targeted x${r.outstanding} ${modeLabel[mode]}: ${r.modes[mode].errors} failed calls, first: ${r.modes[mode].firstError ?? '?'}`));
}

export function targetingLine(results: readonly TargetedResult[]): string {
  return `The targeting step alone (the dealer's \`candidates()\` for \`_device: 'bench'\`, timed in a loop in the router, CPU time): ${results.map((r) => `${(r.targeting.nsPerCall / 1000).toFixed(2)} µs per call (${r.targeting.iterations} calls, after x${r.outstanding})`).join(', ')}.`;
}

export function routerPeakLine(results: readonly TargetedResult[]): string {
  return `Router peak RSS: ${results.map((r) => `${(r.routerMaxRssKb / 1024).toFixed(1)} MB (x${r.outstanding})`).join(', ')}.`;
}
