import type { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Args, Dict, Kwargs } from '../protocol/messages.js';
import { isValidUri } from '../protocol/uri.js';
import type { CallOptions } from './caller.js';
import { ClientError, RemoteError } from './errors.js';
import type { InvocationDetails, InvocationHandler } from './invocation.js';
import { CallResult, Result } from './result.js';
import { describeIssues, fieldIssues } from '../common/zod-issues.js';

/*
 * Typed procedures. On the wire a typed call carries its input as the CALL's
 * kwargs (the input object itself, no positional args) and its result as
 * args[0] of the RESULT, so any WAMP client can call a typed procedure as
 * `call(name, [], input)` and read `args[0]`.
 */

/** A schema for a procedure's input: an object, because it travels as kwargs. */
export type InputSchema = z.ZodType<Dict, Dict>;

/** A procedure's name and contract, shared by the side that provides it and the side that calls it. */
export interface Procedure<A extends InputSchema, R extends z.ZodType> {
  /** The procedure URI, e.g. 'media.play'. */
  readonly name: string;
  /** Schema of the input object (sent as kwargs). */
  readonly args: A;
  /** Schema of the result (sent as args[0]). */
  readonly result: R;
  readonly description: string | undefined;
}

/** What a caller passes to invoke(). */
export type ProcedureInput<P> = P extends Procedure<infer A, z.ZodType> ? z.input<A> : never;
/** What invoke() resolves to. */
export type ProcedureOutput<P> = P extends Procedure<InputSchema, infer R> ? z.output<R> : never;

/** Serves a typed procedure: gets the validated input, returns the result (validated before it is sent). */
export type ProcedureHandler<A extends InputSchema, R extends z.ZodType> =
  (input: z.output<A>, details: InvocationDetails) => z.input<R> | Promise<z.input<R>>;

/**
 * Declare a typed procedure.
 *
 * @example
 *   const play = defineProcedure({
 *     name: 'media.play',
 *     args: z.object({ path: z.string(), volume: z.number().min(0).max(1).default(0.5) }),
 *     result: z.object({ playing: z.boolean() }),
 *   });
 *   await session.provide(play, async ({ path, volume }) => ({ playing: true }));
 *   const { playing } = await session.invoke(play, { path: '/music/a.flac' });
 */
export function defineProcedure<A extends InputSchema, R extends z.ZodType>(definition: {
  name: string;
  args: A;
  result: R;
  description?: string;
}): Procedure<A, R> {
  if (!isValidUri(definition.name)) {
    throw new ClientError('invalid_options', `defineProcedure: "${definition.name}" is not a valid procedure URI`);
  }
  return Object.freeze({
    name: definition.name,
    args: definition.args,
    result: definition.result,
    description: definition.description,
  });
}

/**
 * The plain handler behind provide(): validates the kwargs (a bad one answers
 * wamp.error.invalid_argument naming the field, and the handler never runs),
 * runs the typed handler, validates its result (a bad one answers
 * thoth.error.invalid_result and is logged).
 */
export function typedHandler<A extends InputSchema, R extends z.ZodType>(
  procedure: Procedure<A, R>,
  handler: ProcedureHandler<A, R>,
  logger: Logger,
): InvocationHandler {
  return async (_args: Args, kwargs: Kwargs, details: InvocationDetails) => {
    const input = procedure.args.safeParse(kwargs);
    if (!input.success) {
      const issues = fieldIssues(input.error);
      throw new RemoteError(ErrorUri.invalidArgument, [`invalid argument for ${procedure.name}: ${describeIssues(issues)}`], { issues });
    }
    const output: unknown = await handler(input.data, details);
    const result = procedure.result.safeParse(output);
    if (!result.success) {
      const issues = fieldIssues(result.error);
      const text = `${procedure.name} returned an invalid result: ${describeIssues(issues)}`;
      logger.error({ procedure: procedure.name, issues }, text);
      throw new RemoteError(ErrorUri.invalidResult, [text], { issues });
    }
    return new Result(result.data === undefined ? [] : [result.data]);
  };
}

/** Caller side of invoke(): call with the input as kwargs, validate args[0] against the result schema. */
export async function invokeTyped<A extends InputSchema, R extends z.ZodType>(
  call: (procedure: string, args: Args, kwargs: Kwargs, options: CallOptions) => Promise<CallResult>,
  procedure: Procedure<A, R>,
  input: z.input<A>,
  options: Omit<CallOptions, 'onProgress'> = {},
): Promise<z.output<R>> {
  const result = await call(procedure.name, [], input, options);
  const parsed = procedure.result.safeParse(result.value);
  if (!parsed.success) {
    throw new ClientError('invalid_result', `${procedure.name} returned an invalid result: ${describeIssues(fieldIssues(parsed.error))}`);
  }
  return parsed.data;
}
