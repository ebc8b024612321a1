import { checkDigitBits } from './ids.js';

/** Pastry's parameters: digit bits b, leaf set size l, neighborhood set size m (the paper's defaults). */
export interface PastryConfig {
  readonly b: number;
  readonly l: number;
  readonly m: number;
}

export const defaultPastryConfig: PastryConfig = { b: 4, l: 16, m: 32 };

/** Defaults filled in, unknown keys and out-of-range values refused with the key named. */
export function pastryConfig(options: Partial<PastryConfig> = {}): PastryConfig {
  for (const key of Object.keys(options)) {
    if (!(key in defaultPastryConfig)) throw new RangeError(`unknown Pastry option "${key}"`);
  }
  const config = { ...defaultPastryConfig, ...options };
  checkDigitBits(config.b);
  if (!Number.isInteger(config.l) || config.l < 2 || config.l % 2 !== 0) throw new RangeError(`l must be an even integer >= 2, got ${config.l}`);
  if (!Number.isInteger(config.m) || config.m < 0) throw new RangeError(`m must be an integer >= 0, got ${config.m}`);
  return config;
}
