/**
 * The soak (`npm run bench -- --only soak`): one million routed calls through a
 * router process, from a bare RawSocket caller process (soak-caller-process) to an
 * SDK callee process (callee-process, bench.echo), 64 in flight. The router's RSS
 * is sampled at the start, after every 100,000 answers and at the end, with its peak;
 * the caller counts answers per request id. Returns a markdown section and the
 * checks that failed (soakFailures): any lost, duplicated, misrouted or errored
 * result, or router RSS growing by more than maxRssGrowthMb from the sample after
 * warm-up (the first 10 %) to the end. The driver prints the section, then exits
 * non-zero when a check failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SoakOptions {
  calls: number;
  outstanding: number;
}

export const defaultSoak: SoakOptions = { calls: 1_000_000, outstanding: 64 };

/**
 * The most the router's RSS may grow from after warm-up (the sample after the first
 * 10 % of the calls) to the end, in MB (10^6 bytes). Measured: -0.7 MB over 900,000
 * calls (docs/benchmarks.md); the allocator and V8 move it by a few MB either way.
 * 20 MB over 900,000 calls is about 22 bytes kept per call: a leak of one small
 * object per call, or of any per-call buffer, passes it.
 */
export const maxRssGrowthMb = 20;

export interface SoakReport {
  /** The markdown section (table and samples). */
  markdown: string;
  /** One sentence per failed check; empty when the soak passed. */
  failures: string[];
}

interface Sample {
  done: number;
  rss: number;
  heapUsed: number;
}

type Line = Record<string, unknown> & { event: string };

/** A child process speaking JSON lines; lines are taken in order per event name. */
class SoakChild {
  private readonly queued: Line[] = [];
  private readonly waiters: { event: string; resolve: (line: Line) => void; reject: (error: Error) => void }[] = [];
  private stderr = '';
  private exited = false;
  readonly exit: Promise<void>;
  onLine: ((line: Line) => void) | undefined;

  constructor(readonly name: string, private readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        return;
      }
      if (line.event === 'error') return this.failAll(new Error(`${name}: ${String(line['message'])}`));
      this.onLine?.(line);
      const at = this.waiters.findIndex((w) => w.event === line.event);
      if (at >= 0) this.waiters.splice(at, 1)[0]!.resolve(line);
      else this.queued.push(line);
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 16_384) this.stderr += chunk.toString();
    });
    proc.stdin!.on('error', () => undefined);
    this.exit = new Promise((resolve) => proc.once('close', (code, signal) => {
      this.exited = true;
      this.failAll(new Error(`${name} exited (code ${code}, signal ${signal})${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-10).join('\n')}` : ''}`));
      resolve();
    }));
  }

  static start(script: string, config: object): SoakChild {
    const path = new URL(`./${script}.js`, import.meta.url).pathname;
    return new SoakChild(script, spawn(process.execPath, [path, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  take(event: string, timeoutMs: number): Promise<Line> {
    const at = this.queued.findIndex((l) => l.event === event);
    if (at >= 0) return Promise.resolve(this.queued.splice(at, 1)[0]!);
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${event}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        event,
        resolve: (line) => { clearTimeout(timer); resolve(line); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
    });
  }

  send(text: string): void {
    if (!this.exited) this.proc.stdin!.write(`${text}\n`);
  }

  async finish(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.proc.stdin!.end();
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  private failAll(error: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}

/** Children of a soak still running, for the driver's SIGINT handler. */
export const soakChildren = new Set<SoakChild>();

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

export async function runSoak(options: SoakOptions, progress: (text: string) => void): Promise<SoakReport> {
  const started: SoakChild[] = [];
  const start = (script: string, config: object): SoakChild => {
    const child = SoakChild.start(script, config);
    started.push(child);
    soakChildren.add(child);
    return child;
  };
  try {
    const router = start('soak-router-process', {});
    const urls = (await router.take('ready', 15_000))['urls'] as string[];
    const url = urls[0]!;
    const callee = start('callee-process', { url, serializer: 'msgpack' });
    await callee.take('ready', 15_000);
    const samples: Sample[] = [];
    const sample = async (done: number): Promise<void> => {
      router.send('sample');
      const m = await router.take('memory', 15_000);
      samples.push({ done, rss: m['rss'] as number, heapUsed: m['heapUsed'] as number });
    };
    await sample(0);
    const progressEvery = Math.max(1, Math.floor(options.calls / 10));
    const caller = start('soak-caller-process', { url, calls: options.calls, outstanding: options.outstanding, progressEvery });
    const sampling: Promise<void>[] = [];
    caller.onLine = (line) => {
      if (line.event !== 'progress') return;
      const done = line['done'] as number;
      progress(`soak: ${done} calls answered`);
      if (done < options.calls) sampling.push(sample(done));
    };
    const result = await caller.take('result', 30 * 60_000);
    await Promise.all(sampling);
    await sample(options.calls);
    await Promise.all([caller.finish(), callee.finish()]);
    await router.finish();
    const peakRssKb = (await router.take('exit', 1_000).catch(() => ({ maxRssKb: Number.NaN })))['maxRssKb'] as number;
    return { markdown: soakMarkdown(options, result, samples, peakRssKb), failures: soakFailures(result, samples) };
  } finally {
    for (const child of started) {
      child.kill();
      soakChildren.delete(child);
    }
  }
}

/** The sample after warm-up: the first one taken after some calls were answered. */
function warmSample(samples: readonly Sample[]): Sample {
  return samples.find((s) => s.done > 0) ?? samples[0]!;
}

/** The soak's checks: nothing lost, duplicated, misrouted or failed, and RSS flat after warm-up. */
export function soakFailures(result: Line, samples: readonly Sample[]): string[] {
  const failures: string[] = [];
  for (const key of ['lost', 'duplicated', 'misrouted', 'errors']) {
    const value = result[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) failures.push(`the caller did not report ${key} (got ${JSON.stringify(value)})`);
    else if (value > 0) failures.push(`${value} ${key === 'errors' ? 'calls failed' : `results ${key}`}`);
  }
  const growthMb = (samples[samples.length - 1]!.rss - warmSample(samples).rss) / 1e6;
  if (growthMb > maxRssGrowthMb) failures.push(`router RSS grew by ${growthMb.toFixed(1)} MB after warm-up, over the threshold of ${maxRssGrowthMb} MB (maxRssGrowthMb in bench/soak.ts)`);
  return failures;
}

function soakMarkdown(options: SoakOptions, result: Line, samples: readonly Sample[], peakRssKb: number): string {
  const elapsedS = (result['elapsedMs'] as number) / 1000;
  const first = samples[0]!;
  const warm = warmSample(samples);
  const last = samples[samples.length - 1]!;
  const rows = [
    '### Soak',
    '',
    `${options.calls.toLocaleString('en-US')} routed calls to \`bench.echo\` (RawSocket + MessagePack), ${options.outstanding} in flight, from a bare RawSocket caller that counts answers per request id, through a router process to an SDK callee process. Router RSS sampled at the start, after every ${(options.calls / 10).toLocaleString('en-US')} answers, and at the end; peak from getrusage.`,
    '',
    '| calls | answered | lost | duplicated | misrouted | errors | seconds | calls/s | router RSS start MB | after first 10 % MB | end MB | peak MB | growth after warm-up MB |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| ${options.calls} | ${String(result['answered'])} | ${String(result['lost'])} | ${String(result['duplicated'])} | ${String(result['misrouted'])} | ${String(result['errors'])} | ${elapsedS.toFixed(1)} | ${(options.calls / elapsedS).toFixed(0)} | ${mb(first.rss)} | ${mb(warm.rss)} | ${mb(last.rss)} | ${mb(peakRssKb * 1024)} | ${mb(last.rss - warm.rss)} |`,
    '',
    `Router RSS (MB) by calls answered: ${samples.map((s) => `${s.done.toLocaleString('en-US')}: ${mb(s.rss)}`).join(', ')}.`,
    `Router JS heap used (MB) by calls answered: ${samples.map((s) => `${s.done.toLocaleString('en-US')}: ${mb(s.heapUsed)}`).join(', ')}.`,
  ];
  const firstError = result['firstError'];
  if (typeof firstError === 'string') rows.push('', `First failure seen by the caller: ${firstError}`);
  const failures = soakFailures(result, samples);
  rows.push('', failures.length === 0
    ? `Checks passed: nothing lost, duplicated, misrouted or failed; RSS growth after warm-up at most ${maxRssGrowthMb} MB.`
    : `**Soak FAILED**: ${failures.join('; ')}.`);
  return rows.join('\n');
}
