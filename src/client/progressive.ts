import { ClientError } from './errors.js';
import type { CallResult } from './result.js';

/**
 * The results of one progressive call as an async iterator: each progressive
 * result, then the final one; the call's error is thrown from next(). Leaving
 * the loop early (break, return, throw) cancels the call. At most `limit`
 * results wait for the consumer; past that the call is canceled and the
 * iterator fails with 'progress_overflow'.
 */
export class ResultStream implements AsyncIterableIterator<CallResult> {
  private readonly buffer: CallResult[] = [];
  private waiter: { resolve: (r: IteratorResult<CallResult>) => void; reject: (e: Error) => void } | undefined;
  private ended = false;
  private failure: Error | undefined;

  constructor(private readonly limit: number, private readonly stop: () => void) {}

  /** A progressive result or the final one. */
  push(result: CallResult): void {
    if (this.ended) return;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value: result, done: false });
      return;
    }
    if (this.buffer.length >= this.limit) {
      this.fail(new ClientError('progress_overflow', `more than ${this.limit} progressive results were not consumed; call canceled`));
      this.stop();
      return;
    }
    this.buffer.push(result);
  }

  /** The call is over (after its final result was pushed). */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.wake();
  }

  next(): Promise<IteratorResult<CallResult>> {
    const value = this.buffer.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.ended) {
      const failure = this.failure;
      this.failure = undefined;
      return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure);
    }
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  return(): Promise<IteratorResult<CallResult>> {
    if (!this.ended) {
      this.ended = true;
      this.stop();
    }
    this.buffer.length = 0;
    this.failure = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<CallResult> {
    return this;
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      waiter.reject(failure);
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }
}
