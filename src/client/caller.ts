import type { Args, Dict, Kwargs, MessageOf } from '../protocol/messages.js';
import { logCall } from './call-log.js';
import { assertUri, ClientError, RemoteError, sendFailed } from './errors.js';
import { PendingRequests } from './pending.js';
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

interface CallEntry {
  procedure: string;
  startedAt: number;
  onProgress: ((result: CallResult) => void) | undefined;
  cleanup: (() => void) | undefined;
}

/** The caller role: CALL out; RESULT, ERROR in; CANCEL on abort or local deadline. */
export class Caller {
  private readonly pending: PendingRequests<CallResult, CallEntry>;

  constructor(private readonly ctx: RoleContext) {
    this.pending = new PendingRequests<CallResult, CallEntry>({
      clock: ctx.clock,
      nextId: () => ctx.nextId(),
      onDeadline: (id, entry) => {
        ctx.send({ type: 'CANCEL', requestId: id, options: { mode: 'killnowait' } });
        return new ClientError('timeout', `call to ${entry.procedure} got no answer in time`);
      },
      onSettle: (_id, entry, outcome) => {
        entry.cleanup?.();
        if (ctx.logCalls) logCall(ctx.logger, 'call', entry.procedure, ctx.clock.now() - entry.startedAt, outcome);
      },
    });
  }

  async call(procedure: string, args: Args = [], kwargs: Kwargs = {}, options: CallOptions = {}): Promise<CallResult> {
    this.ctx.assertOpen();
    assertUri('procedure', procedure);
    const signal = options.signal;
    if (signal?.aborted) throw new ClientError('canceled', `call to ${procedure} aborted before it was sent`, { cause: signal.reason });

    const timeoutMs = options.timeoutMs ?? this.ctx.callTimeoutMs;
    const callOptions: Dict = {};
    if (timeoutMs > 0) callOptions['timeout'] = timeoutMs;
    if (options.onProgress !== undefined) callOptions['receive_progress'] = true;
    if (options.discloseMe !== undefined) callOptions['disclose_me'] = options.discloseMe;
    if (options.device !== undefined) callOptions['_device'] = options.device;
    if (options.select !== undefined) callOptions['_select'] = options.select;

    const entry: CallEntry = { procedure, startedAt: this.ctx.clock.now(), onProgress: options.onProgress, cleanup: undefined };
    const { id, promise } = this.pending.open(entry, timeoutMs > 0 ? timeoutMs + LOCAL_DEADLINE_GRACE_MS : undefined);
    if (signal !== undefined) {
      const mode = options.cancelMode ?? 'killnowait';
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
    if (!this.ctx.send({ type: 'CALL', requestId: id, options: callOptions, procedure, args, kwargs })) {
      this.pending.reject(id, sendFailed(`CALL ${procedure}`));
    }
    return promise;
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
    const entry = this.pending.meta(message.requestId);
    if (entry === undefined) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'RESULT for no pending call; ignored');
      return;
    }
    const result = new CallResult(message.args ?? [], message.kwargs ?? {}, message.details);
    if (!result.progress) {
      this.pending.resolve(message.requestId, result);
      return;
    }
    if (entry.onProgress === undefined) {
      this.ctx.logger.debug({ requestId: message.requestId }, 'progressive RESULT for a call that did not ask for them; ignored');
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

  /** Disconnect or close: every pending call fails with `error`. */
  rejectAll(error: Error): void {
    this.pending.rejectAll(error);
  }
}
