/**
 * Registry size: opens one RawSocket session per simulated device, registers
 * every device, then adds its modalities, timing each phase and asking the
 * router (bench.router.usage, after a forced GC) for its CPU and memory between
 * phases; every device then registers bench.echo. Then times thoth.device.list
 * over all of them, calls to bench.echo plain, by device id and by device name,
 * and the router's targeting step alone. Prints one result line.
 */
import { connect, Result, type Session } from '../src/client/index.js';
import { childConfig, emit, fail, processSample } from './lines.js';
import { runLoad } from './load.js';
import { ECHO_PROCEDURE, TARGETING_PROCEDURE, USAGE_PROCEDURE, type LoaderConfig, type LoaderResult, type PhaseResult, type ProbeResult, type RouterUsage, type TargetingCost } from './mesh-types.js';
import { payloadArgs } from './scenarios.js';
import { percentile } from './stats.js';

const KINDS = ['speaker', 'screen', 'fs', 'notify', 'system', 'camera', 'microphone', 'clipboard', 'battery', 'printer'] as const;
const ROOMS = ['living', 'kitchen', 'office', 'bedroom', 'garage'] as const;

const deviceId = (i: number): string => `sim-${String(i).padStart(4, '0')}`;
const deviceName = (i: number): string => `sim-device-${i}`;

/** What an agent reports (docs/mesh.md), with plausible values, so records have a realistic size. */
function deviceInfo(i: number): Record<string, unknown> {
  const octet = (i % 250) + 2;
  return {
    id: deviceId(i),
    name: deviceName(i),
    hostname: `host-${i}.local`,
    platform: 'linux',
    arch: 'x64',
    release: '6.8.0-generic',
    cpus: 4,
    memory: 8 * 2 ** 30,
    interfaces: [{ name: 'eth0', mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`, addresses: [`192.168.${i >> 8}.${octet}`, `fe80::${i.toString(16)}`] }],
    tags: { room: ROOMS[i % ROOMS.length]!, owner: 'bench' },
    agent_version: '0.1.0',
  };
}

async function usage(control: Session, gc: boolean): Promise<RouterUsage> {
  return (await control.call(USAGE_PROCEDURE, [], { gc })).value as RouterUsage;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** Runs `task(i)` for i in [0, n) with at most `limit` running at once. */
async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}

const PROBES: readonly { mode: ProbeResult['mode']; options: { device?: string } }[] = [
  { mode: 'plain', options: {} },
  { mode: 'by id', options: { device: deviceId(0) } },
  { mode: 'by name', options: { device: deviceName(0) } },
];

/** Calls bench.echo plain (round robin over every device), by device id and by device name: all warmed up first, then one window each. */
async function probe(control: Session, settings: NonNullable<LoaderConfig['probe']>): Promise<ProbeResult[]> {
  const args = payloadArgs('small');
  const { outstanding, warmupMs, durationMs } = settings;
  for (const { options } of PROBES) await runLoad(() => control.call(ECHO_PROCEDURE, args, undefined, options), { outstanding, warmupMs: 1, durationMs: warmupMs });
  const out: ProbeResult[] = [];
  for (const { mode, options } of PROBES) {
    const marks: Promise<RouterUsage>[] = [];
    const load = await runLoad(() => control.call(ECHO_PROCEDURE, args, undefined, options), { outstanding, warmupMs: 50, durationMs }, {
      onWindow: () => marks.push(usage(control, false)),
    });
    const [start, end] = await Promise.all(marks);
    out.push({ mode, load, routerCpuMicros: (end?.cpuMicros ?? Number.NaN) - (start?.cpuMicros ?? Number.NaN) });
  }
  return out;
}

async function main(): Promise<void> {
  const config = childConfig<LoaderConfig>();
  const open = (): Promise<Session> => connect({ url: config.url, realm: 'thoth', serializer: config.serializer, reconnect: false });
  const control = await open();
  const baseline = await usage(control, true);
  const phases: PhaseResult[] = [];
  let last = baseline;
  const phase = async (name: PhaseResult['name'], count: number, work: () => Promise<unknown>): Promise<void> => {
    const { elapsedMs } = await timed(work);
    const after = await usage(control, true);
    phases.push({ name, count, elapsedMs, routerCpuMicros: after.cpuMicros - last.cpuMicrosAfterGc, after });
    last = after;
  };

  let sessions: Session[] = [];
  await phase('connect', config.devices, async () => {
    sessions = await pool(config.devices, config.connectConcurrency, () => open());
  });
  await phase('devices', config.devices, () => Promise.all(sessions.map((s, i) => s.call('thoth.device.register', [], deviceInfo(i)))));
  await phase('modalities', config.devices * config.modalitiesPerDevice, () => Promise.all(sessions.flatMap((s, i) =>
    Array.from({ length: config.modalitiesPerDevice }, (_, k) => {
      const kind = KINDS[k % KINDS.length]!;
      return s.call('thoth.modality.add', [], { device: deviceId(i), kind, name: `${kind}-${k}`, details: { plugin: `thoth-${kind}`, index: k } });
    }),
  )));

  const listTimes: number[] = [];
  let listed: unknown[] = [];
  const beforeList = await usage(control, false);
  for (let i = 0; i < config.listCalls; i++) {
    const { value, elapsedMs } = await timed(() => control.call('thoth.device.list', [], {}));
    listTimes.push(elapsedMs);
    listed = value.value as unknown[];
  }
  const modalities = listed.reduce<number>((n, d) => n + ((d as { modalities?: unknown[] }).modalities?.length ?? 0), 0);
  if (listed.length !== config.devices || modalities !== config.devices * config.modalitiesPerDevice) {
    throw new Error(`thoth.device.list returned ${listed.length} devices with ${modalities} modalities`);
  }
  const afterList = await usage(control, false);
  const sorted = Float64Array.from(listTimes).sort();

  // Every device provides bench.echo (bound to its first modality), like a procedure every speaker has.
  const echo = async (args: unknown[]): Promise<Result> => new Result(args);
  await phase('procedures', config.devices, () => Promise.all(sessions.map((s) => s.register(ECHO_PROCEDURE, echo, { invoke: 'roundrobin' }))));
  const probes = config.probe === undefined ? [] : await probe(control, config.probe);
  const targeting: LoaderResult['targeting'] = [];
  for (const [label, options] of config.probe === undefined ? [] : [
    ['device by id', { _device: deviceId(0) }],
    ['device by name', { _device: deviceName(0) }],
    ['select kind (every device)', { _select: { kind: KINDS[0] } }],
    ['select kind + tag (1 in 5)', { _select: { kind: KINDS[0], room: ROOMS[0] } }],
  ] as const) {
    const cost = (await control.call(TARGETING_PROCEDURE, [], { procedure: ECHO_PROCEDURE, options, budgetMs: 300 })).value as TargetingCost;
    targeting.push({ label, cost });
  }

  const result: LoaderResult = {
    baseline,
    phases,
    list: { calls: config.listCalls, devices: listed.length, modalities, jsonBytes: Buffer.byteLength(JSON.stringify(listed)), p50Ms: percentile(sorted, 0.5), maxMs: percentile(sorted, 1),
      routerCpuMicrosPerCall: (afterList.cpuMicros - beforeList.cpuMicros) / config.listCalls,
    },
    probe: probes,
    targeting,
  };
  emit({ event: 'result', result, self: processSample() });
  // Exiting drops every session at once; the driver then stops the router.
  process.exit(0);
}

main().catch(fail);
