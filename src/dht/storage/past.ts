import { randomUUID } from 'node:crypto';
import { idFromHex, isCloser, type Id } from '../ids.js';
import type { ForwardDecision, NetApplication, PastryNode, RouteOptions } from '../net/node.js';
import { PeerUnreachableError } from '../net/errors.js';
import type { PeerInfo } from '../net/wire.js';
import { LocalStore } from './local-store.js';
import { appReplySchema, directOpSchema, recordReplySchema, routedOpSchema, type RoutedOp } from './messages.js';
import type { ReplicaStore } from './replica-store.js';
import { RecordKindError, removalOf, setElements, type LwwRecord, type StoredRecord } from './record.js';

export interface PastStoreOptions {
  /** k, the number of replicas of each key (default 3). A value survives k-1 replicas lost at once. */
  readonly replicas?: number;
  /** Cap of this node's local storage in bytes (default 64 MiB); only without `store`. */
  readonly maxBytes?: number;
  /** Where this node keeps its replicas (default: in memory, LocalStore with `maxBytes`). Closed by close(). */
  readonly store?: ReplicaStore;
  /** Answers messages `routeMessage` delivers to this node (default: none, the answer is null). */
  readonly deliver?: RouteHandler;
  /** Sees each message `routeMessage` sends before it leaves a node for the next hop (not storage traffic). */
  readonly forward?: ForwardHandler;
  /** Told of each node that joins or leaves this node's leaf set. */
  readonly update?: UpdateHandler;
  /** The writer id stamped on this node's writes (default the node id). */
  readonly writer?: string;
}

export interface VersionedValue {
  readonly value: unknown;
  readonly version: number;
  readonly writer: string;
  /** Only in what put() answers, when a newer removal won over the write. */
  readonly removed?: true;
}

/** The outcome of remove(): `removed` false when a newer write won over the removal. */
export interface Removal {
  readonly removed: boolean;
  readonly version: number;
  readonly writer: string;
}

/** The application's answer to a message routed to the key's root (the common API's `deliver` upcall). */
export type RouteHandler = (key: Id, data: unknown, hops: number) => unknown;

/**
 * The common API's `forward` upcall for messages `routeMessage` sends: called at the origin
 * and every node before the root, with the next hop routing chose and the hops so far. Return
 * nothing to send the message on unchanged, `{ data }` to change it, `{ next }` for another
 * next hop, `null` or `{ next: null, result }` to stop it at this node (ForwardDecision).
 */
export type ForwardHandler = (
  key: Id,
  data: unknown,
  next: PeerInfo,
  hops: number,
) => ForwardDecision | null | void | Promise<ForwardDecision | null | void>;

/** The common API's `update` upcall: `peer` joined (`joined` true) or left this node's leaf set. */
export type UpdateHandler = (peer: PeerInfo, joined: boolean) => void;

/**
 * PAST-style storage on a Pastry node: a key lives on the k live nodes numerically closest
 * to it. Writes are routed to the key's root, which merges them and copies the result to its
 * k-1 closest leaf-set neighbours; reads are routed to the root, which answers from its copy
 * or the first replica that has one. On every leaf set change a node re-sends the keys it
 * holds to the k closest nodes it now knows, so each key is back on k nodes after a join,
 * leave or failure.
 */
export class PastStore implements NetApplication {
  readonly local: ReplicaStore;
  readonly replicas: number;
  readonly writer: string;
  private readonly unsubscribe: () => void;
  private scheduled = false;
  private readonly pushed = new Map<string, string>();
  private readonly deliverApp: RouteHandler | undefined;
  /** Set only when the app gave a forward handler: the node skips the upcall otherwise. */
  readonly forward?: NetApplication['forward'];
  readonly update?: UpdateHandler;

  constructor(
    private readonly node: PastryNode,
    options: PastStoreOptions = {},
  ) {
    this.replicas = options.replicas ?? 3;
    if (!Number.isInteger(this.replicas) || this.replicas < 1) throw new RangeError(`replicas must be an integer >= 1, got ${this.replicas}`);
    if (options.store !== undefined && options.maxBytes !== undefined) throw new RangeError('give maxBytes to the store, not to PastStore, when passing a store');
    this.local = options.store ?? new LocalStore(options.maxBytes ?? 64 * 1024 * 1024);
    this.deliverApp = options.deliver;
    const { forward, update } = options;
    if (forward !== undefined) this.forward = (key, data, next, hops) => forwardApp(forward, key, data, next, hops);
    if (update !== undefined) this.update = update;
    this.writer = options.writer ?? node.id.hex;
    node.attach(this);
    this.unsubscribe = node.onLeafSetChanged(() => this.scheduleReplication());
  }

  /** Write `value` under `key`; the greater (version, writer) wins. Version defaults to Date.now(). */
  async put(key: Id, value: unknown, options: { version?: number } = {}): Promise<VersionedValue> {
    const record: LwwRecord = { kind: 'lww', version: options.version ?? Date.now(), writer: this.writer, value: value ?? null };
    return asValue(key, await this.routed(key, { op: 'put', record }));
  }

  async get(key: Id): Promise<VersionedValue | undefined> {
    const record = await this.routed(key, { op: 'get' });
    return record === null || (record.kind === 'lww' && record.deleted === true) ? undefined : asValue(key, record);
  }

  /** Remove the value under `key`: a tombstone with a newer version, replicated like a write. */
  async remove(key: Id, options: { version?: number } = {}): Promise<Removal> {
    const record: LwwRecord = { kind: 'lww', version: options.version ?? Date.now(), writer: this.writer, value: null, deleted: true };
    const stored = await this.routed(key, { op: 'put', record });
    if (stored === null || stored.kind !== 'lww') throw new RecordKindError(`key ${key.hex} holds a set; remove its elements with removeFromSet`);
    return { removed: stored.deleted === true, version: stored.version, writer: stored.writer };
  }

  /**
   * Route `data` to the key's root, whose `deliver` handler answers (null when it has none);
   * `stopped`: a forward handler stopped it at `root` and answered. `hint`: a first hop.
   */
  async routeMessage(key: Id, data: unknown, options: RouteOptions = {}): Promise<{ root: PeerInfo; hops: number; result: unknown; stopped?: true }> {
    const { root, hops, result, stopped } = await this.node.route(key, { op: 'app', data: data ?? null }, options);
    return { root, hops, result: appReplySchema.parse(result).result ?? null, ...(stopped === true ? { stopped } : {}) };
  }

  /** Add elements to the set under `key`; resolves with the set's elements after the merge. */
  async addToSet(key: Id, elements: readonly string[]): Promise<string[]> {
    const adds = elements.map((element) => ({ element, tag: `${this.writer}:${randomUUID()}` }));
    return asSet(key, await this.routed(key, { op: 'put', record: { kind: 'set', adds, removed: [] } }));
  }

  /** Remove the elements (every add of them the root has seen). */
  async removeFromSet(key: Id, elements: readonly string[]): Promise<string[]> {
    return asSet(key, await this.routed(key, { op: 'set-remove', elements: [...elements] }));
  }

  async getSet(key: Id): Promise<string[] | undefined> {
    const record = await this.routed(key, { op: 'get' });
    return record === null ? undefined : asSet(key, record);
  }

  /** Stop following the node and close the store. */
  close(): void {
    this.unsubscribe();
    this.local.close();
  }

  async deliver(key: Id, data: unknown, hops: number): Promise<unknown> {
    const op = routedOpSchema.parse(data);
    switch (op.op) {
      case 'app':
        return { result: (this.deliverApp === undefined ? null : await this.deliverApp(key, op.data, hops)) ?? null };
      case 'get':
        return { record: (await this.find(key)) ?? null };
      case 'put':
        return { record: await this.writeAndReplicate(key, op.record) };
      case 'set-remove': {
        const current = await this.find(key);
        if (current === undefined) return { record: null };
        if (current.kind !== 'set') throw new RecordKindError(`key ${key.hex} holds a ${current.kind} value, not a set`);
        return { record: await this.writeAndReplicate(key, removalOf(current, op.elements)) };
      }
    }
  }

  async direct(_from: PeerInfo, data: unknown): Promise<unknown> {
    const op = directOpSchema.parse(data);
    if (op.op === 'fetch') return { record: this.local.get(op.key) ?? null };
    return { record: this.local.merge(op.key, op.record) };
  }

  private async routed(key: Id, op: RoutedOp): Promise<StoredRecord | null> {
    const { result } = await this.node.route(key, op);
    return recordReplySchema.parse(result).record;
  }

  /** This node's copy, else the first other replica holder that has one. */
  private async find(key: Id): Promise<StoredRecord | undefined> {
    const mine = this.local.get(key.hex);
    if (mine !== undefined) return mine;
    for (const peer of this.replicaSet(key)) {
      if (peer.id === this.node.id.hex) continue;
      try {
        const { record } = recordReplySchema.parse(await this.node.send(peer, { op: 'fetch', key: key.hex }));
        if (record !== null) return record;
      } catch (error) {
        if (!(error instanceof PeerUnreachableError)) throw error;
      }
    }
    return undefined;
  }

  private async writeAndReplicate(key: Id, record: StoredRecord): Promise<StoredRecord> {
    const merged = this.local.merge(key.hex, record);
    const others = this.replicaSet(key).filter((peer) => peer.id !== this.node.id.hex);
    const results = await Promise.allSettled(others.map((peer) => this.node.send(peer, { op: 'store', key: key.hex, record: merged })));
    for (const result of results) {
      if (result.status === 'rejected' && !(result.reason instanceof PeerUnreachableError)) throw result.reason;
    }
    this.pushed.set(key.hex, others.map((peer) => peer.id).join(','));
    return merged;
  }

  /** The k nodes numerically closest to `key` among this node and its leaf set. */
  private replicaSet(key: Id): PeerInfo[] {
    const candidates = [{ id: this.node.id, info: this.node.info }, ...this.node.state.leafSet.members()];
    candidates.sort((a, b) => (isCloser(key, a.id, b.id) ? -1 : isCloser(key, b.id, a.id) ? 1 : 0));
    return candidates.slice(0, this.replicas).map((peer) => peer.info);
  }

  private scheduleReplication(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.node.status === 'running' || this.node.status === 'joining') this.replicate();
    });
  }

  /** Re-send each key this node is a replica of to the other k-1 closest nodes it knows, when that set changed. */
  private replicate(): void {
    const self = this.node.id.hex;
    for (const keyHex of this.local.keys()) {
      const record = this.local.get(keyHex);
      if (record === undefined) continue;
      const set = this.replicaSet(idFromHex(keyHex));
      if (!set.some((peer) => peer.id === self)) continue;
      const others = set.filter((peer) => peer.id !== self);
      const signature = others.map((peer) => peer.id).join(',');
      if (this.pushed.get(keyHex) === signature) continue;
      this.pushed.set(keyHex, signature);
      for (const peer of others) {
        this.node.send(peer, { op: 'store', key: keyHex, record }).catch(() => this.pushed.delete(keyHex));
      }
    }
  }
}

/** The app's forward handler sees only `app` messages, unwrapped; its decision is wrapped back. */
async function forwardApp(forward: ForwardHandler, key: Id, data: unknown, next: PeerInfo, hops: number): Promise<ForwardDecision | undefined> {
  if ((data as { op?: unknown } | null)?.op !== 'app') return undefined;
  const op = routedOpSchema.safeParse(data);
  if (!op.success || op.data.op !== 'app') return undefined;
  const decision = await forward(key, op.data.data, next, hops);
  if (decision === undefined) return undefined;
  if (decision === null || decision.next === null) return { next: null, result: { result: decision?.result ?? null } };
  return {
    ...('data' in decision ? { data: { op: 'app', data: decision.data ?? null } } : {}),
    ...(decision.next === undefined ? {} : { next: decision.next }),
  };
}

function asValue(key: Id, record: StoredRecord | null): VersionedValue {
  if (record === null || record.kind !== 'lww') throw new RecordKindError(`key ${key.hex} does not hold a single value`);
  const value = { value: record.value ?? null, version: record.version, writer: record.writer };
  return record.deleted === true ? { ...value, value: null, removed: true } : value;
}

function asSet(key: Id, record: StoredRecord | null): string[] {
  if (record === null) return [];
  if (record.kind !== 'set') throw new RecordKindError(`key ${key.hex} holds a ${record.kind} value, not a set`);
  return setElements(record);
}
