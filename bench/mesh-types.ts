/** What the mesh bench's driver and its child processes tell each other (configs and result lines). */
import type { SerializerName } from '../src/codec/serializer.js';
import type { LoadResult } from './load.js';
import type { ProcessSample } from './lines.js';
import type { PayloadName } from './scenarios.js';
import type { LatencySummary } from './stats.js';

export const ECHO_PROCEDURE = 'bench.echo';
/** The same echo, registered by the first device's session only: the plain call to the callee a targeted call picks. */
export const SOLO_ECHO_PROCEDURE = 'bench.echo.solo';
/** Returns the id of the device whose session ran it: lets the caller check the targeting before measuring. */
export const WHOAMI_PROCEDURE = 'bench.whoami';
/** Served by the bench router's internal session: kwargs { gc?: boolean } -> RouterUsage. */
export const USAGE_PROCEDURE = 'bench.router.usage';
/** Served by the bench router's internal session: kwargs TargetingQuery -> TargetingCost. */
export const TARGETING_PROCEDURE = 'bench.router.targeting';

/** Time the dealer's targeting step alone, in the router: `candidates(registration of procedure, options)` in a loop for `budgetMs` of CPU time (after a tenth of that as warm-up). */
export interface TargetingQuery {
  procedure: string;
  /** CALL options, e.g. { _device: 'bench' }. */
  options: Record<string, unknown>;
  budgetMs: number;
}

export interface TargetingCost {
  /** Process CPU time (user + system, all threads) per call. */
  nsPerCall: number;
  iterations: number;
  /** Callees left after narrowing (or the error URI when the targeting refuses). */
  candidates: number | string;
}

/** The simulated devices send no heartbeats: a timeout no run reaches. */
export const BENCH_HEARTBEAT_TIMEOUT_MS = 3_600_000;

export interface MeshRouterConfig {
  /** ':memory:' or a folder for registry.db. */
  dataDir: string;
  /** Long enough that no simulated device goes offline during a run (they send no heartbeats). */
  heartbeatTimeoutMs: number;
}

export interface RouterUsage {
  /** user + system CPU of the router process before the forced GC, µs. */
  cpuMicros: number;
  /** The same after it (equal to cpuMicros without a GC). */
  cpuMicrosAfterGc: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory outside the V8 heap that V8 knows of (Buffers, SQLite is not in it). */
  externalBytes: number;
  /** Whether a full GC ran first (the router runs with --expose-gc). */
  gc: boolean;
}

export interface BenchDevice {
  id: string;
  name: string;
}

export interface MeshCalleeConfig {
  url: string;
  serializer: SerializerName;
  devices: BenchDevice[];
}

/**
 * plain: bench.echo.solo, no options (one callee: the target device's session);
 * device: bench.echo with the CALL option `device` (the router narrows three callees to that one);
 * spread: bench.echo, no options (round robin over the three).
 */
export type CallMode = 'plain' | 'device' | 'spread';
export const callModes: readonly CallMode[] = ['plain', 'device', 'spread'];

export interface MeshCallerConfig {
  url: string;
  serializer: SerializerName;
  payload: PayloadName;
  outstanding: number;
  /** Discarded load in each mode before the first window. */
  warmupMs: number;
  /** Unrecorded load at the start of each window, so the pipeline is full in the new mode. */
  settleMs: number;
  windowMs: number;
  /** One measured window per entry, in this order. */
  windows: CallMode[];
  /** The CALL option `device` of the targeted mode (a device name). */
  target: string;
  /** The device id `target` must resolve to, and the ids plain calls must reach. */
  targetId: string;
  deviceIds: string[];
}

export interface CallerWindow {
  mode: CallMode;
  load: LoadResult;
  self: ProcessSample;
}

export interface CallerResult {
  windows: CallerWindow[];
  /** The router's targeting step for `device` mode's calls, timed in the router. */
  targeting: TargetingCost;
  /** Latency of every call completed inside any window of that mode, merged. */
  latency: Record<CallMode, LatencySummary>;
}

export interface LoaderConfig {
  url: string;
  serializer: SerializerName;
  devices: number;
  modalitiesPerDevice: number;
  /** Sessions opening at once. */
  connectConcurrency: number;
  listCalls: number;
  /** Calls to bench.echo plain and targeted with the registry full, and the targeting step timed alone; unset: skipped. */
  probe: { warmupMs: number; durationMs: number; outstanding: number } | undefined;
}

export interface PhaseResult {
  name: 'connect' | 'devices' | 'modalities' | 'procedures';
  /** Items done in the phase: sessions, devices, modalities or registrations. */
  count: number;
  elapsedMs: number;
  /** The router's CPU during the phase, µs. */
  routerCpuMicros: number;
  /** Router memory after the phase (after a forced GC). */
  after: RouterUsage;
}

export interface ProbeResult {
  mode: 'plain' | 'by id' | 'by name';
  load: LoadResult;
  routerCpuMicros: number;
}

export interface LoaderResult {
  baseline: RouterUsage;
  phases: PhaseResult[];
  list: { calls: number; devices: number; modalities: number; jsonBytes: number; p50Ms: number; maxMs: number; routerCpuMicrosPerCall: number };
  probe: ProbeResult[];
  targeting: { label: string; cost: TargetingCost }[];
}
