/**
 * Registry size: a router with the mesh (run with --expose-gc) and one loader
 * process that registers `devices` simulated devices with `modalities` each,
 * one RawSocket session per device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Timing } from './cell.js';
import type { Child } from './children.js';
import { READY_TIMEOUT_MS, rawSocketUrl, startChild } from './mesh-spawn.js';
import { BENCH_HEARTBEAT_TIMEOUT_MS, type LoaderConfig, type LoaderResult, type PhaseResult } from './mesh-types.js';

export type RegistryStoreKind = 'memory' | 'disk';

export interface RegistryRun {
  store: RegistryStoreKind;
  devices: number;
  modalitiesPerDevice: number;
  result: LoaderResult;
  routerMaxRssKb: number;
}

const LOADER_TIMEOUT_MS = 180_000;

/** `probe`: also time calls to bench.echo, plain and targeted, with the registry full (they do not depend on the store). */
export async function runRegistry(store: RegistryStoreKind, devices: number, modalitiesPerDevice: number, probe: boolean, timing: Timing): Promise<RegistryRun> {
  const dataDir = store === 'memory' ? ':memory:' : mkdtempSync(join(tmpdir(), 'thoth-bench-registry-'));
  const router = startChild('mesh-router-process', { dataDir, heartbeatTimeoutMs: BENCH_HEARTBEAT_TIMEOUT_MS }, ['--expose-gc']);
  let loader: Child | undefined;
  try {
    const url = rawSocketUrl((await router.take('ready', READY_TIMEOUT_MS)).urls ?? []);
    const config: LoaderConfig = {
      url, serializer: 'msgpack', devices, modalitiesPerDevice, connectConcurrency: 32, listCalls: 5,
      probe: probe ? { warmupMs: Math.min(timing.warmupMs, 500), durationMs: Math.min(timing.durationMs, 1000), outstanding: 1 } : undefined,
    };
    loader = startChild('mesh-loader-process', config);
    const line = await loader.take('result', LOADER_TIMEOUT_MS);
    await loader.exit;
    await router.finish(30_000);
    const exit = await router.take('exit', 1000);
    return { store, devices, modalitiesPerDevice, result: line.result as LoaderResult, routerMaxRssKb: exit.maxRssKb };
  } finally {
    for (const child of [loader, router]) child?.kill();
    if (store === 'disk') rmSync(dataDir, { recursive: true, force: true });
  }
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const what: Record<PhaseResult['name'], string> = { connect: 'sessions connected', devices: 'devices registered', modalities: 'modalities added', procedures: 'devices registered bench.echo' };

export function registryTable(runs: readonly RegistryRun[]): string {
  const rows = runs.flatMap((run) => {
    const { baseline, phases } = run.result;
    const first = `| ${run.store} | start (router + mesh, 1 session) | - | - | - | - | ${mb(baseline.rssBytes)} | - | - | ${mb(baseline.heapUsedBytes)} | - | - |`;
    let previous = baseline;
    const lines = phases.map((p) => {
      const rss = p.after.rssBytes - previous.rssBytes;
      const heap = p.after.heapUsedBytes - previous.heapUsedBytes;
      const line = `| ${run.store} | ${p.count} ${what[p.name]} | ${(p.elapsedMs / 1000).toFixed(2)} | ${Math.round(p.count / (p.elapsedMs / 1000))} | ${(p.routerCpuMicros / 1000).toFixed(0)} | ${(p.routerCpuMicros / p.count).toFixed(0)} | ${mb(p.after.rssBytes)} | ${mb(rss)} | ${kib(rss / p.count)} | ${mb(p.after.heapUsedBytes)} | ${mb(heap)} | ${kib(heap / p.count)} |`;
      previous = p.after;
      return line;
    });
    return [first, ...lines];
  });
  return [
    '| registry store | phase | time s | per second | router CPU ms | router CPU µs each | router RSS MB after (GC) | RSS growth MB | RSS KiB each | router heap used MB | heap growth MB | heap KiB each |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

export function registrySummaryLines(runs: readonly RegistryRun[]): string {
  return runs.map((run) => {
    const { baseline, phases, list } = run.result;
    const connected = phases.find((p) => p.name === 'connect')?.after ?? baseline;
    const registered = phases.find((p) => p.name === 'modalities')?.after ?? baseline;
    const rss = registered.rssBytes - connected.rssBytes;
    const heap = registered.heapUsedBytes - connected.heapUsedBytes;
    return [
      `- ${run.store} store: ${run.devices} devices × ${run.modalitiesPerDevice} modalities cost the router ${mb(rss)} MB of RSS (${kib(rss / run.devices)} KiB per device with its modalities) and ${mb(heap)} MB of JS heap (${kib(heap / run.devices)} KiB per device) on top of their ${run.devices} open sessions; router RSS ${mb(registered.rssBytes)} MB after a forced GC, peak ${(run.routerMaxRssKb / 1024).toFixed(1)} MB.`,
      `- ${run.store} store: \`thoth.device.list\` over ${list.devices} devices (${list.modalities} modalities, ${mb(list.jsonBytes)} MB as JSON): p50 ${list.p50Ms.toFixed(1)} ms, max ${list.maxMs.toFixed(1)} ms over ${list.calls} calls (send to result, decoding included); router CPU ${(list.routerCpuMicrosPerCall / 1000).toFixed(1)} ms per call.`,
    ].join('\n');
  }).join('\n');
}

export function probeTable(run: RegistryRun): string {
  const plain = run.result.probe.find((p) => p.mode === 'plain');
  return [
    `| bench.echo, provided by all ${run.devices} devices (${run.store} store), ${run.result.probe[0]?.load.outstanding ?? 1} outstanding | calls/s | vs plain | p50 ms | p99 ms | router µs/call |`,
    '|---|--:|--:|--:|--:|--:|',
    ...run.result.probe.map((p) => {
      const ratio = plain ? (p.load.callsPerSecond / plain.load.callsPerSecond).toFixed(2) : '-';
      const label = p.mode === 'plain' ? 'plain (round robin)' : `device ${p.mode}`;
      return `| ${label} | ${Math.round(p.load.callsPerSecond)} | ${ratio} | ${p.load.latency.p50Ms.toFixed(3)} | ${p.load.latency.p99Ms.toFixed(3)} | ${(p.routerCpuMicros / Math.max(1, p.load.calls)).toFixed(1)} |`;
    }),
  ].join('\n');
}

export function targetingCostTable(run: RegistryRun): string {
  return [
    `| the router's targeting step alone, bench.echo provided by all ${run.devices} devices | µs per call | callees left |`,
    '|---|--:|--:|',
    ...run.result.targeting.map((t) => `| ${t.label} | ${(t.cost.nsPerCall / 1000).toFixed(1)} | ${t.cost.candidates} |`),
  ].join('\n');
}

export function probeErrorLines(runs: readonly RegistryRun[]): string[] {
  return runs.flatMap((run) => run.result.probe
    .filter((p) => p.load.errors > 0)
    .map((p) => `- mesh registry ${run.store} probe ${p.mode}: ${p.load.errors} failed calls, first: ${p.load.firstError ?? '?'}`));
}
