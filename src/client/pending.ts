import type { Clock } from './clock.js';
import { ClientError } from './errors.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * One request awaiting the router's answer. A role extends it with what it
 * needs when the answer comes (a call's procedure and progress handler), so
 * that a request costs one object and its promise.
 */
export class PendingEntry<T> {
  /** The request id, set by {@link PendingRequests.open}. */
  id = 0;
  /** Set by PendingRequests; settle an entry through it, never directly. */
  resolve: (value: T) => void = noop;
  reject: (error: Error) => void = noop;
  timer: unknown = undefined;
}

/** An entry that carries one value along (the record being registered, the topic published to). */
export class EntryWith<T, M> extends PendingEntry<T> {
  constructor(readonly meta: M) {
    super();
  }
}

export interface PendingRequestsOptions<T, E extends PendingEntry<T>> {
  clock: Clock;
  /** The session's request id sequence (shared by every role). */
  nextId: () => number;
  /** The error for an entry whose deadline passed. Runs before the entry rejects. */
  onDeadline?: (entry: E) => Error;
  /** Runs exactly once per entry, however it settles: `error` is undefined on success. */
  onSettle?: (entry: E, error: Error | undefined) => void;
}

/**
 * Requests awaiting an answer from the router, by request id: id allocation,
 * an optional deadline per entry, settle once, reject all on disconnect.
 */
export class PendingRequests<T, E extends PendingEntry<T> = PendingEntry<T>> {
  private readonly entries = new Map<number, E>();

  constructor(private readonly options: PendingRequestsOptions<T, E>) {}

  get size(): number {
    return this.entries.size;
  }

  /** Give `entry` a request id and wait for its answer; `deadlineMs` from now, if given. */
  open(entry: E, deadlineMs?: number): Promise<T> {
    const id = this.options.nextId();
    entry.id = id;
    const promise = new Promise<T>((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    if (deadlineMs !== undefined) entry.timer = this.options.clock.setTimeout(() => this.expire(id), deadlineMs);
    this.entries.set(id, entry);
    return promise;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** The open entry with this id. */
  get(id: number): E | undefined {
    return this.entries.get(id);
  }

  /** Settle an entry with a value; false when there is no such entry (any more). */
  resolve(id: number, value: T): boolean {
    const entry = this.take(id);
    if (entry === undefined) return false;
    this.options.onSettle?.(entry, undefined);
    entry.resolve(value);
    return true;
  }

  /** Settle an entry with an error; false when there is no such entry (any more). */
  reject(id: number, error: Error): boolean {
    const entry = this.take(id);
    if (entry === undefined) return false;
    this.options.onSettle?.(entry, error);
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

  private take(id: number): E | undefined {
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
    const error = this.options.onDeadline?.(entry) ?? new ClientError('timeout', `request ${id} timed out`);
    this.reject(id, error);
  }
}

function noop(): void {}
