/** Latency samples in nanoseconds, summarised for the table. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of an ascending-sorted array; q in (0, 1]. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarize(samplesNs: Float64Array): LatencySummary {
  const sorted = samplesNs.slice().sort();
  const ms = (ns: number): number => ns / 1e6;
  return {
    count: sorted.length,
    p50Ms: ms(percentile(sorted, 0.5)),
    p99Ms: ms(percentile(sorted, 0.99)),
    maxMs: ms(percentile(sorted, 1)),
  };
}
