import type { Args, Dict, Kwargs, MessageOf } from '../protocol/messages.js';
import { logCall } from './call-log.js';
import { assertUri, ClientError, RemoteError, sendFailed } from './errors.js';
import { PendingEntry, PendingRequests, type Outcome } from './pending.js';
import { ResultStream } from './progressive.js';
import { CallResult } from './result.js';
import type { RoleContext } from './role-context.js';

/** How CANCEL asks the router to stop a call (WAMP call canceling). */
export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** Options of {@link Session.call}. */
export interface CallOptions {
  /**
   * Timeout in ms, sent to the router as CALL.Options.timeout; the SDK also
   * keeps its own deadline 1 s later in case no answer comes. Default: the
   * session's callTimeoutMs; 0 = none.
   */
  timeoutMs?: number;
  /** Aborting sends CANCEL with `cancelMode`. */
  signal?: AbortSignal;
  /**
   * Default 'killnowait'. With 'skip' and 'killnowait' the call rejects at once
   * with ClientError 'canceled'; with 'kill' it waits for the router's answer
   * (the callee may still finish first).
   */
  cancelMode?: CancelMode;
  /** Ask the router to disclose this session to the callee (CALL.Options.disclose_me). */
  discloseMe?: boolean;
  /** Receives each progressive result (sets CALL.Options.receive_progress). */
  onProgress?: (result: CallResult) => void;
  /** thoth: run the call on this device (id or name); sent as `_device`. */
  device?: string;
  /** thoth: run the call on a device matching this selector (kind, tags); sent as `_select`. */
  select?: Record<string, string>;
}

/** The SDK's own deadline runs this long after the router's timeout. */
export const LOCAL_DEADLINE_GRACE_MS = 1000;
/** Progressive results a callProgressive consumer may leave unread before the call is canceled. */
export const PROGRESS_BUFFER_LIMIT = 10_000;

/** CALL.Options of a call that sets none: shared, never changed. */
const NO_CALL_OPTIONS: Dict = Object.freeze({});

/** A call awaiting its RESULT or ERROR. */
class CallEntry extends PendingEntry<CallResult> {
  /** Removes the listener on the call's AbortSignal, when it has one. */
  cleanup: (() => void) | undefined = undefined;

  constructor(
    readonly procedure: string,
    /** Clock time the call was made; only kept for logCalls. */
    readonly startedAt: number,
    readonly onProgress: ((result: CallResult) => void) | undefined,
  ) {
    super();
  }
}

/** The caller role: CALL out; RESULT, ERROR in; CANCEL on abort or local deadline. */
export class Caller {
  private readonly pending: PendingRequests<CallResult, CallEntry>;

  constructor(private readonly ctx: RoleContext) {
    this.pending = new PendingRequests<CallResult, CallEntry>({
      clock: ctx.clock,
      nextId: () => ctx.nextId(),
      onDeadline: (entry) => {
        ctx.send({ type: 'CANCEL', requestId: entry.id, options: { mode: 'killnowait' } });
        return new ClientError('timeout', `call to ${entry.procedure} got no answer in time`);
      },
      onSettle: (entry, error) => {
        entry.cleanup?.();
        if (ctx.logCalls) {
          const outcome: Outcome<unknown> = error === undefined ? { ok: true, value: undefined } : { ok: false, error };
          logCall(ctx.logger, 'call', entry.procedure, ctx.clock.now() - entry.startedAt, outcome);
        }
      },
    });
  }

  /** Never throws: every failure, including bad arguments, is a rejection. */
  call(procedure: string, args?: Args, kwargs?: Kwargs, options?: CallOptions): Promise<CallResult> {
    try {
      return this.start(procedure, args, kwargs, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Send the CALL and return the pending promise itself (no async wrapper: one promise per call). */
  private start(procedure: string, args: Args | undefined, kwargs: Kwargs | undefined, options: CallOptions | undefined): Promise<CallResult> {
    this.ctx.assertOpen();
    assertUri('procedure', procedure);
    const signal = options?.signal;
    if (signal?.aborted) throw new ClientError('canceled', `call to ${procedure} aborted before it was sent`, { cause: signal.reason });

    const timeoutMs = options?.timeoutMs ?? this.ctx.callTimeoutMs;
    const entry = new CallEntry(procedure, this.ctx.logCalls ? this.ctx.clock.now() : 0, options?.onProgress);
    const promise = this.pending.open(entry, timeoutMs > 0 ? timeoutMs + LOCAL_DEADLINE_GRACE_MS : undefined);
    if (signal !== undefined) this.cancelOnAbort(entry, signal, options?.cancelMode ?? 'killnowait');
    const callOptions = options === undefined && timeoutMs <= 0 ? NO_CALL_OPTIONS : wireOptions(options, timeoutMs);
    if (!this.ctx.send({ type: 'CALL', requestId: entry.id, options: callOptions, procedure, args, kwargs })) {
      this.pending.reject(entry.id, sendFailed(`CALL ${procedure}`));
    }
    return promise;
  }

  private cancelOnAbort(entry: CallEntry, signal: AbortSignal, mode: CancelMode): void {
    const { id, procedure } = entry;
    const onAbort = (): void => {
      if (!this.pending.has(id)) return;
      this.ctx.send({ type: 'CANCEL', requestId: id, options: { mode } });
      if (mode !== 'kill') {
        this.pending.reject(id, new ClientError('canceled', `call to ${procedure} canceled`, { cause: signal.reason }));
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    entry.cleanup = () => signal.removeEventListener('abort', onAbort);
  }

  /**
   * A call whose progressive results are iterated: each one, then the final
   * result. Never throws; the call's failure is thrown by the iterator.
   */
  callProgressive(procedure: string, args: Args = [], kwargs: Kwargs = {}, options: Omit<CallOptions, 'onProgress'> = {}): ResultStream {
    const controller = new AbortController();
    const stream = new ResultStream(PROGRESS_BUFFER_LIMIT, () => controller.abort());
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
    this.call(procedure, args, kwargs, { ...options, signal, onProgress: (result) => stream.push(result) }).then(
      (final) => {
        stream.push(final);
        stream.finish();
      },
      (error: Error) => stream.fail(error),
    );
    return stream;
  }

  onResult(message: MessageOf<'RESULT'>): void {
    const result = new CallResult(message.args ?? [], message.kwargs ?? {}, message.details);
    if (!result.progress) {
      if (!this.pending.resolve(message.requestId, result)) this.ignored(message, 'RESULT for no pending call; ignored');
      return;
    }
    const entry = this.pending.get(message.requestId);
    if (entry === undefined) {
      this.ignored(message, 'RESULT for no pending call; ignored');
      return;
    }
    if (entry.onProgress === undefined) {
      this.ignored(message, 'progressive RESULT for a call that did not ask for them; ignored');
      return;
    }
    try {
      entry.onProgress(result);
    } catch (error) {
      this.ctx.logger.error({ err: error, procedure: entry.procedure }, 'onProgress threw');
    }
  }

  onError(message: MessageOf<'ERROR'>): void {
    const error = new RemoteError(message.error, message.args ?? [], message.kwargs ?? {}, message.details);
    if (!this.pending.reject(message.requestId, error)) {
      this.ctx.logger.debug({ requestId: message.requestId, error: message.error }, 'ERROR for no pending call; ignored');
    }
  }

  private ignored(message: MessageOf<'RESULT'>, why: string): void {
    this.ctx.logger.debug({ requestId: message.requestId }, why);
  }

  /** Disconnect or close: every pending call fails with `error`. */
  rejectAll(error: Error): void {
    this.pending.rejectAll(error);
  }
}

/** CALL.Options for the options a call was given. */
function wireOptions(options: CallOptions | undefined, timeoutMs: number): Dict {
  const wire: Dict = {};
  if (timeoutMs > 0) wire['timeout'] = timeoutMs;
  if (options === undefined) return wire;
  if (options.onProgress !== undefined) wire['receive_progress'] = true;
  if (options.discloseMe !== undefined) wire['disclose_me'] = options.discloseMe;
  if (options.device !== undefined) wire['_device'] = options.device;
  if (options.select !== undefined) wire['_select'] = options.select;
  return wire;
}
