import { CliError } from './errors.js';

/** A positional argument: JSON when it parses as JSON, else the plain string (`thoth call greet Alice`). */
export function parseArgValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function parseKwargs(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`--kwargs must be a JSON object, got: ${text}`, 2);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`--kwargs must be a JSON object, got: ${text}`, 2);
  return value as Record<string, unknown>;
}

export function parseInteger(name: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`, 2);
    return n;
  };
}
