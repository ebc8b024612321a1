import type { Clock } from './clock.js';
import { ClientError } from './errors.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

export interface PendingRequestsOptions<T, M> {
  clock: Clock;
  /** The session's request id sequence (shared by every role). */
  nextId: () => number;
  /** The error for an entry whose deadline passed. Runs before the entry rejects. */
  onDeadline?: (id: number, meta: M) => Error;
  /** Runs exactly once per entry, however it settles. */
  onSettle?: (id: number, meta: M, outcome: Outcome<T>) => void;
}

interface Entry<T, M> {
  meta: M;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/**
 * Requests awaiting an answer from the router, by request id: id allocation,
 * an optional deadline per entry, settle once, reject all on disconnect.
 */
export class PendingRequests<T, M = undefined> {
  private readonly entries = new Map<number, Entry<T, M>>();

  constructor(private readonly options: PendingRequestsOptions<T, M>) {}

  get size(): number {
    return this.entries.size;
  }

  /** Allocate a request id and wait for its answer; `deadlineMs` from now, if given. */
  open(meta: M, deadlineMs?: number): { id: number; promise: Promise<T> } {
    const id = this.options.nextId();
    const promise = new Promise<T>((resolve, reject) => {
      const entry: Entry<T, M> = { meta, resolve, reject, timer: undefined };
      if (deadlineMs !== undefined) {
        entry.timer = this.options.clock.setTimeout(() => this.expire(id), deadlineMs);
      }
      this.entries.set(id, entry);
    });
    return { id, promise };
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** The data stored with an open entry. */
  meta(id: number): M | undefined {
    return this.entries.get(id)?.meta;
  }

  /** Settle an entry with a value; false when there is no such entry (any more). */
  resolve(id: number, value: T): boolean {
    const entry = this.take(id);
    if (entry === undefined) return false;
    this.options.onSettle?.(id, entry.meta, { ok: true, value });
    entry.resolve(value);
    return true;
  }

  /** Settle an entry with an error; false when there is no such entry (any more). */
  reject(id: number, error: Error): boolean {
    const entry = this.take(id);
    if (entry === undefined) return false;
    this.options.onSettle?.(id, entry.meta, { ok: false, error });
    entry.reject(error);
    return true;
  }

  /** Reject every open entry (disconnect, close). */
  rejectAll(error: Error): void {
    for (const id of [...this.entries.keys()]) this.reject(id, error);
  }

  /** Resolve every open entry with one value. */
  resolveAll(value: T): void {
    for (const id of [...this.entries.keys()]) this.resolve(id, value);
  }

  private take(id: number): Entry<T, M> | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    if (entry.timer !== undefined) this.options.clock.clearTimeout(entry.timer);
    return entry;
  }

  private expire(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.timer = undefined;
    const error = this.options.onDeadline?.(id, entry.meta) ?? new ClientError('timeout', `request ${id} timed out`);
    this.reject(id, error);
  }
}
