import type { Peer } from './peer.js';
import type { Registration } from './dealer.js';

export type CancelMode = 'skip' | 'kill' | 'killnowait';

/**
 * One routed call from its CALL to its one RESULT or ERROR. Indexed twice: in the
 * caller's `calls` by the CALL request id and in the callee's `invocations` by the
 * INVOCATION request id; `settle` removes it from both.
 */
export class Invocation {
  timer: NodeJS.Timeout | undefined;
  /** Set when the caller asked for mode 'kill': the callee's answer is turned into `canceled`. */
  cancelRequested = false;

  constructor(
    readonly caller: Peer,
    readonly callRequestId: number,
    readonly callee: Peer,
    readonly invocationId: number,
    readonly registration: Registration,
    readonly procedure: string,
    /** The caller asked for progressive results (CALL.Options.receive_progress). */
    readonly receiveProgress: boolean,
  ) {}

  /** Forget this call on both sides; later messages about it are ignored. */
  settle(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.caller.calls.get(this.callRequestId) === this) this.caller.calls.delete(this.callRequestId);
    if (this.callee.invocations.get(this.invocationId) === this) this.callee.invocations.delete(this.invocationId);
    const watch = this.callee.drainWatch;
    if (watch !== undefined) watch();
  }

  /** Forget the callee side only (the caller already has its answer, or is gone). */
  detachCaller(): void {
    if (this.caller.calls.get(this.callRequestId) === this) this.caller.calls.delete(this.callRequestId);
  }
}
