import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * The bench child processes talk to the driver in JSON lines: one object per
 * stdout line, with an `event` field. The driver talks back with one word per
 * stdin line ("sample": report CPU time now), and closes stdin to mean "finish
 * and exit".
 */
export type ChildEvent =
  | { event: 'ready'; urls?: string[]; callerPort?: number; calleePort?: number }
  | { event: 'window'; phase: 'start' | 'end' }
  | { event: 'sample'; sample: ProcessSample }
  | { event: 'result'; result: unknown; self: ProcessSample }
  | { event: 'exit'; maxRssKb: number }
  | { event: 'error'; message: string };

export type EventName = ChildEvent['event'];

export function emit(event: ChildEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Counters of this process so far: CPU time (user + system, µs) and, on Linux, read/write syscalls from /proc/self/io. */
export interface ProcessSample {
  cpuMicros: number;
  readCalls: number;
  writeCalls: number;
}

export function processSample(): ProcessSample {
  const { user, system } = process.cpuUsage();
  let readCalls = Number.NaN;
  let writeCalls = Number.NaN;
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    readCalls = Number(/^syscr:\s*(\d+)/m.exec(io)?.[1] ?? Number.NaN);
    writeCalls = Number(/^syscw:\s*(\d+)/m.exec(io)?.[1] ?? Number.NaN);
  } catch {
    // Not Linux: syscall counts stay NaN.
  }
  return { cpuMicros: user + system, readCalls, writeCalls };
}

export function sampleDelta(from: ProcessSample, to: ProcessSample): ProcessSample {
  return { cpuMicros: to.cpuMicros - from.cpuMicros, readCalls: to.readCalls - from.readCalls, writeCalls: to.writeCalls - from.writeCalls };
}

/** For callers: samples this process as the load window opens and closes, and tells the driver. */
export function windowSampler(): { onWindow: (phase: 'start' | 'end') => void; delta: () => ProcessSample } {
  let start = processSample();
  let end = start;
  return {
    onWindow: (phase) => {
      if (phase === 'start') start = processSample();
      else end = processSample();
      emit({ event: 'window', phase });
    },
    delta: () => sampleDelta(start, end),
  };
}

/** Answers "sample" lines, and runs `finish` once when the driver closes stdin. */
export function serveDriver(finish: () => void | Promise<void>): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    void Promise.resolve(finish()).catch((error: unknown) => fail(error));
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'sample') emit({ event: 'sample', sample: processSample() });
  });
  lines.on('close', once);
  process.stdin.on('error', once);
}

/** Reports a fatal error to the driver and exits: bench processes are programs, not library code. */
export function fail(error: unknown): never {
  emit({ event: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

/** Peak resident set size of this process so far, in kilobytes. */
export function maxRssKb(): number {
  return process.resourceUsage().maxRSS;
}

/** The one JSON argument every child takes. */
export function childConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) fail(new Error('missing the JSON config argument'));
  return JSON.parse(raw) as T;
}
