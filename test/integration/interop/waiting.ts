/** A promise with its resolve/reject handed out, for values that arrive through callbacks. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Collects values pushed from a callback; `take(n)` resolves once n have arrived.
 * Tests use it to wait for events without sleeping.
 */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: { count: number; done: Deferred<T[]> }[] = [];

  push = (item: T): void => {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.done.resolve(this.items.slice(0, w.count));
      return false;
    });
  };

  take(count: number): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve(this.items.slice(0, count));
    const done = deferred<T[]>();
    this.waiters.push({ count, done });
    return done.promise;
  }
}
