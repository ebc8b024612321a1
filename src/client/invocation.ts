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

/** An invocation whose handler has not answered yet. */
export interface RunningInvocation {
  /** INTERRUPT: abort the handler and answer ERROR wamp.error.canceled now. */
  interrupt(options: Dict): void;
  /** Disconnect/close: abort the handler, answer nothing. */
  drop(error: Error): void;
}

interface HandlerTarget {
  procedure: string;
  handler: InvocationHandler;
  options: { logCalls?: boolean };
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
  const logCalls = target.options.logCalls ?? ctx.logCalls;
  const startedAt = ctx.clock.now();
  const controller = new AbortController();
  let done = false;

  const finish = (outcome: Outcome<unknown>): void => {
    done = true;
    running.delete(requestId);
    if (logCalls) logCall(ctx.logger, 'invocation', procedure, ctx.clock.now() - startedAt, outcome);
  };
  const sendError = (uri: string, args: Args, kwargs: Kwargs): boolean =>
    ctx.send({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId, details: {}, error: uri, args, kwargs });
  /** A YIELD or ERROR that could not be sent (too large, not encodable) still owes the caller an answer. */
  const unsendable = (what: string): void => {
    ctx.logger.error({ procedure }, `${what} of ${procedure} could not be sent (too large or not encodable)`);
    sendError(ErrorUri.handlerFailed, [`the ${what} of ${procedure} could not be sent (too large or not encodable)`], {});
  };

  running.set(requestId, {
    interrupt: (options) => {
      if (done) return;
      const error = new ClientError('canceled', `invocation of ${procedure} interrupted by the router`);
      controller.abort(error);
      const mode = typeof options['mode'] === 'string' ? options['mode'] : 'kill';
      sendError(ErrorUri.canceled, [`interrupted (${mode})`], {});
      finish({ ok: false, error });
    },
    drop: (error) => {
      if (done) return;
      controller.abort(error);
      finish({ ok: false, error });
    },
  });

  const details: InvocationDetails = {
    procedure,
    registrationId: message.registrationId,
    requestId,
    caller: typeof raw['caller'] === 'number' ? raw['caller'] : undefined,
    callerAuthid: typeof raw['caller_authid'] === 'string' ? raw['caller_authid'] : undefined,
    callerAuthrole: typeof raw['caller_authrole'] === 'string' ? raw['caller_authrole'] : undefined,
    receiveProgress,
    timeoutMs: typeof raw['timeout'] === 'number' && raw['timeout'] > 0 ? raw['timeout'] : undefined,
    signal: controller.signal,
    progress: (args = [], kwargs = {}) => {
      if (done || !receiveProgress) return false;
      return ctx.send({ type: 'YIELD', requestId, options: { progress: true }, args, kwargs });
    },
    raw,
  };

  void (async () => {
    let value: unknown;
    try {
      value = await target.handler(message.args ?? [], message.kwargs ?? {}, details);
    } catch (thrown) {
      if (done) return;
      const parts = toWampError(thrown);
      if (parts.uri === ErrorUri.handlerFailed) {
        ctx.logger.error({ err: thrown, procedure }, 'handler failed');
      }
      if (!sendError(parts.uri, parts.args, parts.kwargs)) unsendable('error');
      finish({ ok: false, error: new RemoteError(parts.uri, parts.args, parts.kwargs) });
      return;
    }
    if (done) return;
    const payload = payloadOf(value);
    if (!ctx.send({ type: 'YIELD', requestId, options: {}, args: payload.args, kwargs: payload.kwargs })) {
      unsendable('result');
      finish({ ok: false, error: sendFailed(`YIELD for ${procedure}`) });
      return;
    }
    finish({ ok: true, value });
  })();
}
