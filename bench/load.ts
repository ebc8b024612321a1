import { summarize, type LatencySummary } from './stats.js';

export interface LoadOptions {
  /** Calls kept in flight at once (closed loop: a worker sends its next call when the last one returns). */
  outstanding: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadHooks {
  /** Called as the measuring window opens and closes (the driver samples the other processes' CPU then). */
  onWindow?: (phase: 'start' | 'end') => void;
}

export interface LoadResult {
  outstanding: number;
  /** Calls completed inside the measuring window. */
  calls: number;
  elapsedMs: number;
  callsPerSecond: number;
  latency: LatencySummary;
  /** Calls that failed during warm-up or measuring (any failure makes the cell suspect). */
  errors: number;
  firstError?: string;
}

/**
 * Drives `call` with `outstanding` concurrent workers: warm-up first (not
 * recorded), then a fixed-duration window in which every completed call's
 * latency (process.hrtime.bigint, send to resolve) is recorded. Calls still in
 * flight when the window closes are awaited but not counted.
 */
export async function runLoad(call: () => Promise<unknown>, options: LoadOptions, hooks: LoadHooks = {}): Promise<LoadResult> {
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let samples = new Float64Array(1 << 16);
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  let windowStart = 0n;
  let windowEnd = 0n;

  const record = (ns: number): void => {
    if (count === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[count++] = ns;
  };

  const worker = async (): Promise<void> => {
    while (phase !== 'stop') {
      const started = process.hrtime.bigint();
      try {
        await call();
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // A call that fails at once must not starve the phase timers.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (phase === 'measure') record(Number(process.hrtime.bigint() - started));
    }
  };

  const phases = new Promise<void>((resolve) => {
    setTimeout(() => {
      phase = 'measure';
      windowStart = process.hrtime.bigint();
      hooks.onWindow?.('start');
      setTimeout(() => {
        windowEnd = process.hrtime.bigint();
        phase = 'stop';
        hooks.onWindow?.('end');
        resolve();
      }, options.durationMs);
    }, options.warmupMs);
  });

  const workers = Array.from({ length: options.outstanding }, () => worker());
  await phases;
  await Promise.all(workers);

  const elapsedMs = Number(windowEnd - windowStart) / 1e6;
  const result: LoadResult = {
    outstanding: options.outstanding,
    calls: count,
    elapsedMs,
    callsPerSecond: count / (elapsedMs / 1000),
    latency: summarize(samples.subarray(0, count)),
    errors,
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}
