import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestartPolicy } from '../../src/agent/config.js';
import type { PluginEnd, PluginInstance } from '../../src/agent/plugin-host.js';
import type { LiveModality } from '../../src/agent/plugin.js';
import { PluginRunner, type RunnerState } from '../../src/agent/runner.js';
import { silentLogger } from '../../src/observability/logger.js';
import { FakeClock } from '../client/fake-clock.js';

/** A plugin run the test drives by hand. */
class FakeRun implements PluginInstance {
  readonly started: Promise<void>;
  readonly ended: Promise<PluginEnd>;
  readonly stopDeadlines: number[] = [];
  modalities: LiveModality[];
  private markStarted!: () => void;
  private markEnded!: (end: PluginEnd) => void;

  constructor(id: number, private readonly onStop: 'comply' | 'hang' = 'comply') {
    this.modalities = [{ id, kind: 'test', name: 'test', details: {} }];
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
  }

  start(): void {
    this.markStarted();
  }

  end(end: PluginEnd): void {
    this.markStarted();
    this.markEnded(end);
  }

  stop(deadlineMs: number): Promise<PluginEnd> {
    this.stopDeadlines.push(deadlineMs);
    if (this.onStop === 'comply') this.end({ kind: 'stopped', forced: false });
    return this.ended;
  }

  deviceRegistered(): void {}
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const crash: PluginEnd = { kind: 'crashed', phase: 'main', error: { name: 'Error', message: 'boom' } };

function setup(restart: RestartPolicy, options: { random?: number; onStop?: 'comply' | 'hang' } = {}) {
  const clock = new FakeClock();
  const runs: FakeRun[] = [];
  const drained: { ids: number[]; deadlineMs: number }[] = [];
  const agentStops: string[] = [];
  const states: RunnerState[] = [];
  const runner = new PluginRunner({
    plugin: { name: 'p', use: 'p', restart, backoff: { initialMs: 100, maxMs: 1000 } },
    launch: () => {
      const run = new FakeRun(runs.length + 1, options.onStop);
      runs.push(run);
      return run;
    },
    drain: async (ids, deadlineMs) => {
      drained.push({ ids, deadlineMs });
    },
    stopAgent: (reason, failed) => agentStops.push(`${reason} failed=${failed}`),
    changed: (status) => states.push(status.state),
    clock,
    random: () => options.random ?? 0,
    logger: silentLogger,
  });
  return { clock, runs, drained, agentStops, states, runner };
}

describe('plugin runner', () => {
  it("'always' restarts after every end, with exponential backoff capped at maxMs", async () => {
    const { clock, runs, runner } = setup('always');
    const starting = runner.start();
    runs[0]!.start();
    await starting;
    await flush();
    assert.equal(runner.state, 'running');
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      runs[i]!.end(i % 2 === 0 ? crash : { kind: 'returned' });
      await flush();
      assert.equal(runner.state, 'waiting');
      delays.push(clock.pendingDelays()[0]!);
      clock.advance(delays[i]!);
      assert.equal(runs.length, i + 2, 'a new run was launched when the delay passed');
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000]);
    assert.equal(runner.status().restarts, 5);
    assert.deepEqual(runner.status().lastEnd, crash);
  });

  it('jitter lowers each delay by up to half, never raising it', async () => {
    const { clock, runs, runner } = setup('always', { random: 0.999 });
    void runner.start();
    runs[0]!.end(crash);
    await flush();
    assert.equal(clock.pendingDelays()[0], 50);
  });

  it('resets the backoff after a run that lasted at least backoff.maxMs', async () => {
    const { clock, runs, runner } = setup('always');
    void runner.start();
    runs[0]!.end(crash);
    await flush();
    clock.advance(100);
    runs[1]!.end(crash);
    await flush();
    assert.equal(clock.pendingDelays()[0], 200);
    clock.advance(200);
    clock.advance(1000); // run 3 stays up for maxMs
    runs[2]!.end(crash);
    await flush();
    assert.equal(clock.pendingDelays()[0], 100);
  });

  it("'on-failure' restarts after a crash, not after main() returned", async () => {
    const { clock, runs, runner } = setup('on-failure');
    void runner.start();
    runs[0]!.end(crash);
    await flush();
    assert.equal(runner.state, 'waiting');
    clock.advance(100);
    runs[1]!.end({ kind: 'returned' });
    await flush();
    assert.equal(runner.state, 'ended');
    assert.deepEqual(clock.pendingDelays(), []);
    assert.equal(runs.length, 2);
  });

  it('a killed modality counts as a failure: restarted under on-failure, left alone under never', async () => {
    const killed: PluginEnd = { kind: 'killed', modality: 1 };
    const onFailure = setup('on-failure');
    void onFailure.runner.start();
    onFailure.runs[0]!.end(killed);
    await flush();
    assert.equal(onFailure.runner.state, 'waiting');
    const never = setup('never');
    void never.runner.start();
    never.runs[0]!.end(killed);
    await flush();
    assert.equal(never.runner.state, 'ended');
    assert.deepEqual(never.runner.status().lastEnd, killed);
  });

  it("'never' leaves a crashed plugin stopped", async () => {
    const { clock, runs, runner, agentStops } = setup('never');
    void runner.start();
    runs[0]!.end(crash);
    await flush();
    assert.equal(runner.state, 'ended');
    clock.advance(60_000);
    assert.equal(runs.length, 1);
    assert.deepEqual(agentStops, []);
  });

  it("'stop-agent' asks the agent to stop when the plugin ends, however it ends", async () => {
    for (const end of [crash, { kind: 'returned' } as const]) {
      const { runs, runner, agentStops } = setup('stop-agent');
      void runner.start();
      runs[0]!.end(end);
      await flush();
      assert.equal(runner.state, 'ended');
      assert.equal(agentStops.length, 1);
      assert.match(agentStops[0]!, end.kind === 'crashed' ? /plugin p crashed failed=true/ : /plugin p returned failed=false/);
    }
  });

  it('stop() drains the modalities with half the deadline, then stops the run within the rest', async () => {
    const { runs, runner, drained, states } = setup('always');
    const starting = runner.start();
    runs[0]!.start();
    await starting;
    await Promise.all([runner.stop(3000), runner.stop(3000)]);
    assert.deepEqual(drained, [{ ids: [1], deadlineMs: 1500 }]);
    assert.deepEqual(runs[0]!.stopDeadlines, [3000]);
    assert.equal(runner.state, 'stopped');
    assert.deepEqual(states, ['starting', 'running', 'stopping', 'stopped']);
    assert.deepEqual(runner.status().lastEnd, { kind: 'stopped', forced: false });
  });

  it('stop() while waiting to restart cancels the restart', async () => {
    const { clock, runs, runner, drained } = setup('always');
    void runner.start();
    runs[0]!.end(crash);
    await flush();
    await runner.stop(1000);
    clock.advance(10_000);
    assert.equal(runs.length, 1);
    assert.deepEqual(drained, []);
    assert.equal(runner.state, 'stopped');
  });

  it('an end reported while stopping does not restart', async () => {
    const { clock, runs, runner } = setup('always', { onStop: 'hang' });
    void runner.start();
    runs[0]!.start();
    await flush();
    const stopping = runner.stop(1000);
    await flush();
    runs[0]!.end(crash);
    await stopping;
    clock.advance(10_000);
    assert.equal(runs.length, 1);
  });
});
