import { ErrorUri } from '../protocol/error-uris.js';
import { MessageCode, type Args, type Dict, type Kwargs, type MessageOf } from '../protocol/messages.js';
import { logCall } from './call-log.js';
import { ClientError, RemoteError, sendFailed, toWampError } from './errors.js';
import type { Outcome } from './pending.js';
import { payloadOf } from './result.js';
import type { RoleContext } from './role-context.js';

/** What a handler learns about the invocation it serves. */
export interface InvocationDetails {
  /** The procedure called: the concrete URI even for a pattern registration. */
  readonly procedure: string;
  readonly registrationId: number;
  /** INVOCATION request id (for logs). */
  readonly requestId: number;
  /** The caller's session id, when the caller disclosed itself. */
  readonly caller: number | undefined;
  readonly callerAuthid: string | undefined;
  readonly callerAuthrole: string | undefined;
  /** The caller asked for progressive results: progress() sends them. */
  readonly receiveProgress: boolean;
  /** The call's timeout as the router forwarded it, if any. */
  readonly timeoutMs: number | undefined;
  /** Aborted when the router interrupts the call (cancel, timeout) or the connection drops. */
  readonly signal: AbortSignal;
  /**
   * Send a progressive result. Returns false (and sends nothing) when the
   * caller did not ask for progressive results or the invocation is over.
   */
  progress(args?: Args, kwargs?: Kwargs): boolean;
  /** INVOCATION.Details as the router sent them. */
  readonly raw: Dict;
}

/**
 * Serves one invocation. Return a plain value (sent as `args: [value]`),
 * nothing, or a `Result` for an exact payload. Throw a RemoteError (or any
 * error with a `uri`) to answer with that error; anything else thrown is
 * answered with `thoth.error.handler_failed` and logged.
 */
export type InvocationHandler = (args: Args, kwargs: Kwargs, details: InvocationDetails) => unknown;

/** YIELD.Options and ERROR.Details the SDK sends: shared, never changed. */
const NO_OPTIONS: Dict = Object.freeze({});
const PROGRESS_OPTIONS: Dict = Object.freeze({ progress: true });

interface HandlerTarget {
  procedure: string;
  handler: InvocationHandler;
  options: { logCalls?: boolean };
}

/**
 * An invocation whose handler has not answered yet: answers it exactly once
 * (YIELD or ERROR), unless the router interrupts it or the connection drops.
 */
export class RunningInvocation {
  private done = false;
  /**
   * Made when the handler first reads details.signal: most handlers never do,
   * and an AbortController (an EventTarget) is the costliest thing an
   * invocation would otherwise allocate.
   */
  private controller: AbortController | undefined;
  /** Why the invocation was aborted, kept for a signal asked for only afterwards. */
  private abortReason: Error | undefined;
  private readonly startedAt: number;

  constructor(
    private readonly ctx: RoleContext,
    private readonly running: Map<number, RunningInvocation>,
    readonly requestId: number,
    readonly procedure: string,
    private readonly receiveProgress: boolean,
    private readonly logCalls: boolean,
  ) {
    this.startedAt = logCalls ? ctx.clock.now() : 0;
  }

  /** Aborted by interrupt() and drop(); the same signal on every read. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Run the handler and answer with what it returns or throws. */
  async serve(handler: InvocationHandler, args: Args, kwargs: Kwargs, details: InvocationDetails): Promise<void> {
    let value: unknown;
    try {
      value = await handler(args, kwargs, details);
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    this.succeeded(value);
  }

  /** Send a progressive result; false when not asked for or already answered. */
  progress(args: Args, kwargs: Kwargs): boolean {
    if (this.done || !this.receiveProgress) return false;
    return this.ctx.send({ type: 'YIELD', requestId: this.requestId, options: PROGRESS_OPTIONS, args, kwargs });
  }

  /** INTERRUPT: abort the handler and answer ERROR wamp.error.canceled now. */
  interrupt(options: Dict): void {
    if (this.done) return;
    const error = new ClientError('canceled', `invocation of ${this.procedure} interrupted by the router`);
    this.abort(error);
    const mode = typeof options['mode'] === 'string' ? options['mode'] : 'kill';
    this.sendError(ErrorUri.canceled, [`interrupted (${mode})`], {});
    this.finish(false, error);
  }

  /** Disconnect/close: abort the handler, answer nothing. */
  drop(error: Error): void {
    if (this.done) return;
    this.abort(error);
    this.finish(false, error);
  }

  private succeeded(value: unknown): void {
    if (this.done) return;
    const payload = payloadOf(value);
    if (!this.ctx.send({ type: 'YIELD', requestId: this.requestId, options: NO_OPTIONS, args: payload.args, kwargs: payload.kwargs })) {
      this.unsendable('result');
      this.finish(false, sendFailed(`YIELD for ${this.procedure}`));
      return;
    }
    this.finish(true, value);
  }

  private failed(thrown: unknown): void {
    if (this.done) return;
    const parts = toWampError(thrown);
    if (parts.uri === ErrorUri.handlerFailed) {
      this.ctx.logger.error({ err: thrown, procedure: this.procedure }, 'handler failed');
    }
    if (!this.sendError(parts.uri, parts.args, parts.kwargs)) this.unsendable('error');
    this.finish(false, new RemoteError(parts.uri, parts.args, parts.kwargs));
  }

  private abort(reason: Error): void {
    if (this.controller === undefined) this.abortReason = reason;
    else this.controller.abort(reason);
  }

  private sendError(uri: string, args: Args, kwargs: Kwargs): boolean {
    return this.ctx.send({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: this.requestId, details: NO_OPTIONS, error: uri, args, kwargs });
  }

  /** A YIELD or ERROR that could not be sent (too large, not encodable) still owes the caller an answer. */
  private unsendable(what: string): void {
    const { procedure } = this;
    this.ctx.logger.error({ procedure }, `${what} of ${procedure} could not be sent (too large or not encodable)`);
    this.sendError(ErrorUri.handlerFailed, [`the ${what} of ${procedure} could not be sent (too large or not encodable)`], {});
  }

  /** `result` is the handler's value when ok, else the error. */
  private finish(ok: boolean, result: unknown): void {
    this.done = true;
    this.running.delete(this.requestId);
    if (this.logCalls) {
      const outcome: Outcome<unknown> = ok ? { ok, value: result } : { ok, error: result as Error };
      logCall(this.ctx.logger, 'invocation', this.procedure, this.ctx.clock.now() - this.startedAt, outcome);
    }
  }
}

/** What the handler sees; signal and progress go to the running invocation, which stays private. */
class Details implements InvocationDetails {
  readonly registrationId: number;
  readonly requestId: number;
  readonly caller: number | undefined;
  readonly callerAuthid: string | undefined;
  readonly callerAuthrole: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly #invocation: RunningInvocation;
  #progress: ((args?: Args, kwargs?: Kwargs) => boolean) | undefined;

  constructor(
    invocation: RunningInvocation,
    message: MessageOf<'INVOCATION'>,
    readonly procedure: string,
    readonly receiveProgress: boolean,
    readonly raw: Dict,
  ) {
    this.#invocation = invocation;
    this.registrationId = message.registrationId;
    this.requestId = message.requestId;
    this.caller = typeof raw['caller'] === 'number' ? raw['caller'] : undefined;
    this.callerAuthid = typeof raw['caller_authid'] === 'string' ? raw['caller_authid'] : undefined;
    this.callerAuthrole = typeof raw['caller_authrole'] === 'string' ? raw['caller_authrole'] : undefined;
    this.timeoutMs = typeof raw['timeout'] === 'number' && raw['timeout'] > 0 ? raw['timeout'] : undefined;
  }

  get signal(): AbortSignal {
    return this.#invocation.signal;
  }

  /** A function of its own, so that `const { progress } = details` works too; made on first use. */
  get progress(): (args?: Args, kwargs?: Kwargs) => boolean {
    const invocation = this.#invocation;
    return (this.#progress ??= (args = [], kwargs = {}) => invocation.progress(args, kwargs));
  }
}

/** Run a handler for an INVOCATION and answer it exactly once (YIELD or ERROR), unless interrupted or dropped. */
export function runInvocation(
  ctx: RoleContext,
  target: HandlerTarget,
  message: MessageOf<'INVOCATION'>,
  running: Map<number, RunningInvocation>,
): void {
  const { requestId, details: raw } = message;
  const procedure = typeof raw['procedure'] === 'string' ? raw['procedure'] : target.procedure;
  const receiveProgress = raw['receive_progress'] === true;
  const invocation = new RunningInvocation(ctx, running, requestId, procedure, receiveProgress, target.options.logCalls ?? ctx.logCalls);
  running.set(requestId, invocation);
  const details = new Details(invocation, message, procedure, receiveProgress, raw);
  void invocation.serve(target.handler, message.args ?? [], message.kwargs ?? {}, details);
}
