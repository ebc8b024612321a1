import type { Args, Dict, Kwargs } from '../protocol/messages.js';

/**
 * What a call returns (and each progressive result of it): the RESULT's
 * positional and keyword payload plus its details.
 */
export class CallResult {
  constructor(
    readonly args: Args = [],
    readonly kwargs: Kwargs = {},
    /** RESULT.Details as the router sent them. */
    readonly details: Dict = {},
  ) {}

  /** The first positional result: what a handler returning a plain value sent. */
  get value(): unknown {
    return this.args[0];
  }

  /** True for an intermediate result of a progressive call, false for the final one. */
  get progress(): boolean {
    return this.details['progress'] === true;
  }
}

/**
 * Returned by a handler to send an exact payload (several positional values,
 * keyword results) instead of the default `args: [value]`.
 *
 * @example
 *   session.register('math.divmod', ([a, b]) => new Result([Math.floor(a / b), a % b]));
 */
export class Result {
  constructor(readonly args: Args = [], readonly kwargs: Kwargs = {}) {}
}

/** The YIELD payload for whatever a handler returned. */
export function payloadOf(value: unknown): { args: Args; kwargs: Kwargs } {
  if (value instanceof Result || value instanceof CallResult) return { args: value.args, kwargs: value.kwargs };
  if (value === undefined) return { args: [], kwargs: {} };
  return { args: [value], kwargs: {} };
}
