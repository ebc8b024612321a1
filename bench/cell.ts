import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Child, type ChildScript, type SpawnOptions } from './children.js';
import type { LoadResult } from './load.js';
import type { Scenario } from './scenarios.js';
import { sampleDelta, type ProcessSample } from './lines.js';

export interface Timing {
  warmupMs: number;
  durationMs: number;
}

export interface CellResult {
  load: LoadResult;
  /** Peak RSS of the middle process (router or relay), in KiB. */
  middleMaxRssKb: number;
  /** What each process spent inside the caller's measuring window. */
  usage: { caller: ProcessSample; middle: ProcessSample; callee: ProcessSample };
}

const READY_TIMEOUT_MS = 15_000;

/** Every child still running, so the driver can stop exactly these on Ctrl-C. */
export const running = new Set<Child>();

function start(script: ChildScript, config: object, options?: SpawnOptions): Child {
  const child = Child.start(script, config, options);
  running.add(child);
  void child.exit.then(() => running.delete(child));
  return child;
}

async function sample(children: readonly Child[]): Promise<ProcessSample[]> {
  for (const child of children) child.send('sample');
  return Promise.all(children.map(async (child) => (await child.take('sample', READY_TIMEOUT_MS)).sample));
}

async function measure(middle: Child, callee: Child, caller: Child, timing: Timing): Promise<CellResult> {
  try {
    await caller.take('window', timing.warmupMs + READY_TIMEOUT_MS);
    const [middleStart, calleeStart] = await sample([middle, callee]);
    await caller.take('window', timing.durationMs + READY_TIMEOUT_MS);
    const [middleEnd, calleeEnd] = await sample([middle, callee]);
    if (!middleStart || !calleeStart || !middleEnd || !calleeEnd) throw new Error('missing CPU samples');
    const line = await caller.take('result', 60_000);
    await caller.exit;
    await callee.finish();
    await middle.finish();
    const exit = await middle.take('exit', 1000);
    const load = line.result as LoadResult;
    return {
      load,
      middleMaxRssKb: exit.maxRssKb,
      usage: { caller: line.self, middle: sampleDelta(middleStart, middleEnd), callee: sampleDelta(calleeStart, calleeEnd) },
    };
  } finally {
    for (const child of [caller, callee, middle]) child.kill();
  }
}

function profileArgs(profileDir: string | undefined, role: string): SpawnOptions {
  if (profileDir === undefined) return {};
  const dir = join(profileDir, role);
  mkdirSync(dir, { recursive: true });
  return { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'] };
}

/** Router, SDK callee and SDK caller, each its own process; with `profileDir`, each runs under node --cpu-prof into <profileDir>/<role>/. */
export async function runThothCell(s: Scenario, timing: Timing, profileDir?: string): Promise<CellResult> {
  const router = start('router-process', {}, profileArgs(profileDir, 'router'));
  let callee: Child | undefined;
  let caller: Child | undefined;
  try {
    const { urls = [] } = await router.take('ready', READY_TIMEOUT_MS);
    const scheme = s.transport === 'websocket' ? 'ws://' : 'tcp://';
    const url = urls.find((u) => u.startsWith(scheme));
    if (url === undefined) throw new Error(`router offered no ${scheme} URL: ${urls.join(', ')}`);
    callee = start('callee-process', { url, serializer: s.serializer }, profileArgs(profileDir, 'callee'));
    await callee.take('ready', READY_TIMEOUT_MS);
    caller = start('caller-process', { url, serializer: s.serializer, payload: s.payload, outstanding: s.outstanding, ...timing }, profileArgs(profileDir, 'caller'));
    return await measure(router, callee, caller, timing);
  } finally {
    for (const child of [caller, callee, router]) child?.kill();
  }
}

/** Relay, baseline callee and baseline caller, each its own process; profiled like runThothCell. */
export async function runRelayCell(s: Scenario, timing: Timing, profileDir?: string): Promise<CellResult> {
  const relay = start('relay-process', {}, profileArgs(profileDir, 'relay'));
  let callee: Child | undefined;
  let caller: Child | undefined;
  try {
    const { callerPort, calleePort } = await relay.take('ready', READY_TIMEOUT_MS);
    if (callerPort === undefined || calleePort === undefined) throw new Error('relay did not report its ports');
    callee = start('relay-callee-process', { port: calleePort, serializer: s.serializer }, profileArgs(profileDir, 'relay-callee'));
    await callee.take('ready', READY_TIMEOUT_MS);
    caller = start('relay-caller-process', { port: callerPort, serializer: s.serializer, payload: s.payload, outstanding: s.outstanding, ...timing }, profileArgs(profileDir, 'relay-caller'));
    return await measure(relay, callee, caller, timing);
  } finally {
    for (const child of [caller, callee, relay]) child?.kill();
  }
}
