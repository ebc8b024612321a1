/**
 * SDK caller of the device-targeted bench: checks that a targeted call reaches
 * only the named device (and a plain one every device), warms every mode up,
 * then runs one measured window per entry of `windows` (see CallMode) and
 * prints one result line.
 */
import { connect, type Session } from '../src/client/index.js';
import { childConfig, emit, fail, windowSampler, type ProcessSample } from './lines.js';
import { runLoad } from './load.js';
import { callModes, ECHO_PROCEDURE, SOLO_ECHO_PROCEDURE, TARGETING_PROCEDURE, WHOAMI_PROCEDURE, type CallerResult, type CallerWindow, type CallMode, type MeshCallerConfig, type TargetingCost } from './mesh-types.js';
import { payloadArgs } from './scenarios.js';
import { summarize } from './stats.js';

async function checkTargeting(session: Session, config: MeshCallerConfig): Promise<void> {
  const rounds = 4 * config.deviceIds.length;
  const targeted = new Set<unknown>();
  const plain = new Set<unknown>();
  // Not interleaved: the dealer's round-robin cursor is shared by targeted and plain picks.
  for (let i = 0; i < rounds; i++) targeted.add((await session.call(WHOAMI_PROCEDURE, [], undefined, { device: config.target })).value);
  for (let i = 0; i < rounds; i++) plain.add((await session.call(WHOAMI_PROCEDURE)).value);
  if (targeted.size !== 1 || !targeted.has(config.targetId)) {
    throw new Error(`calls with device "${config.target}" reached ${[...targeted].join(', ')}, not only ${config.targetId}`);
  }
  if (plain.size !== config.deviceIds.length) throw new Error(`plain calls reached ${[...plain].join(', ')}, not all of ${config.deviceIds.join(', ')}`);
}

/** Latencies (ns) of calls completed while a window of their mode is open. */
class Recorder {
  open: CallMode | undefined;
  private readonly samples: Record<CallMode, number[]> = { plain: [], device: [], spread: [] };

  timed(mode: CallMode, call: () => Promise<unknown>): () => Promise<unknown> {
    return async () => {
      const started = process.hrtime.bigint();
      await call();
      if (this.open === mode) this.samples[mode].push(Number(process.hrtime.bigint() - started));
    };
  }

  summary(mode: CallMode): ReturnType<typeof summarize> {
    return summarize(Float64Array.from(this.samples[mode]));
  }
}

async function main(): Promise<void> {
  const config = childConfig<MeshCallerConfig>();
  const session = await connect({ url: config.url, realm: 'thoth', serializer: config.serializer, reconnect: false });
  await checkTargeting(session, config);

  const args = payloadArgs(config.payload);
  const targetOptions = { device: config.target };
  const recorder = new Recorder();
  const calls: Record<CallMode, () => Promise<unknown>> = {
    plain: recorder.timed('plain', () => session.call(SOLO_ECHO_PROCEDURE, args)),
    device: recorder.timed('device', () => session.call(ECHO_PROCEDURE, args, undefined, targetOptions)),
    spread: recorder.timed('spread', () => session.call(ECHO_PROCEDURE, args)),
  };

  for (const mode of new Set(config.windows)) {
    await runLoad(calls[mode], { outstanding: config.outstanding, warmupMs: 1, durationMs: config.warmupMs });
  }

  const windows: CallerWindow[] = [];
  let self: ProcessSample = { cpuMicros: 0, readCalls: 0, writeCalls: 0 };
  for (const mode of config.windows) {
    const sampler = windowSampler();
    const load = await runLoad(calls[mode], { outstanding: config.outstanding, warmupMs: config.settleMs, durationMs: config.windowMs }, {
      onWindow: (phase) => {
        recorder.open = phase === 'start' ? mode : undefined;
        sampler.onWindow(phase);
      },
    });
    const delta = sampler.delta();
    windows.push({ mode, load, self: delta });
    self = { cpuMicros: self.cpuMicros + delta.cpuMicros, readCalls: self.readCalls + delta.readCalls, writeCalls: self.writeCalls + delta.writeCalls };
  }
  const latency = Object.fromEntries(callModes.map((mode) => [mode, recorder.summary(mode)])) as CallerResult['latency'];
  const query = { procedure: ECHO_PROCEDURE, options: { _device: config.target }, budgetMs: 300 };
  const targeting = (await session.call(TARGETING_PROCEDURE, [], query)).value as TargetingCost;
  const result: CallerResult = { windows, latency, targeting };
  emit({ event: 'result', result, self });
  await session.close();
  process.exit(0);
}

main().catch(fail);
