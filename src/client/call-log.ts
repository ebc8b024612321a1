import type { Logger } from '../observability/logger.js';
import type { Outcome } from './pending.js';

/** One structured line per outgoing call or handled invocation (opt-in: logCalls). */
export function logCall(
  logger: Logger,
  kind: 'call' | 'invocation',
  procedure: string,
  durationMs: number,
  outcome: Outcome<unknown>,
): void {
  const fields = {
    procedure,
    durationMs: Math.round(durationMs * 1000) / 1000,
    outcome: outcome.ok ? 'ok' : 'error',
    ...(outcome.ok ? {} : { error: errorUri(outcome.error) }),
  };
  logger.info(fields, kind);
}

function errorUri(error: Error): string {
  const uri = (error as { uri?: unknown }).uri;
  if (typeof uri === 'string') return uri;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
