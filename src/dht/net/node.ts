import { randomBytes } from 'node:crypto';
import { pastryConfig, type PastryConfig } from '../config.js';
import { idFromHex, type Id } from '../ids.js';
import type { LeafSide } from '../leaf-set.js';
import { NodeState } from '../node-state.js';
import { nextHop } from '../pastry-route.js';
import { PeerDirectory } from './directory.js';
import { NodeStateError, PeerUnreachableError, RemoteError } from './errors.js';
import type { NetPeer } from './net-peer.js';
import { NodeServer } from './server.js';
import {
  ackSchema,
  deliveredSchema,
  directReplySchema,
  joinResultSchema,
  leafSetReplySchema,
  MAX_HOPS,
  type PeerInfo,
  type Request,
  type RouteBody,
  type Snapshot,
} from './wire.js';

export interface PastryNodeOptions {
  /** The node id; random when absent. */
  readonly id?: Id;
  readonly pastry?: Partial<PastryConfig>;
  /** How often the leaf set is pinged (default 1000 ms). */
  readonly keepAliveIntervalMs?: number;
  /** A leaf silent this long is taken as failed (default 3000 ms). */
  readonly keepAliveTimeoutMs?: number;
  /** Timeout of one request to a peer (default 5000 ms); routed requests add slack per remaining hop. */
  readonly requestTimeoutMs?: number;
}

export interface StartOptions {
  readonly host?: string;
  readonly port?: number;
  /** Any live node of the overlay; absent for the first node. */
  readonly bootstrap?: { readonly host: string; readonly port: number };
}

/** What an application built on the node (storage) answers. Data it receives is unvalidated. */
export interface NetApplication {
  /** A routed message reached this node, the numerically closest live node to `key`. */
  deliver(key: Id, data: unknown, hops: number): Promise<unknown>;
  /** A message sent to this node directly (replication, fetches). */
  direct(from: PeerInfo, data: unknown): Promise<unknown>;
}

export interface RouteResult {
  /** The node the message was delivered to. */
  readonly root: PeerInfo;
  readonly hops: number;
  readonly result: unknown;
}

export type NodePhase = 'idle' | 'joining' | 'running' | 'closed';

const ROUTE_SLACK_PER_HOP_MS = 50;
/** Every this many keep-alive rounds, each side's leaf set is compared with its farthest member's. */
const EXCHANGE_EVERY_TICKS = 4;

/**
 * A real Pastry node: its state (routing table, leaf set, neighborhood set from src/dht),
 * a TCP server answering peers, and the join, keep-alive, repair and routing protocol.
 * Routing is recursive: each hop forwards with `nextHop` and passes the delivering node's
 * answer back, so the origin learns the root and the hop count.
 */
export class PastryNode {
  readonly id: Id;
  readonly config: PastryConfig;
  readonly state: NodeState<NetPeer>;
  private readonly keepAliveIntervalMs: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly server: NodeServer;
  private directory: PeerDirectory | undefined;
  private self: PeerInfo | undefined;
  private app: NetApplication | undefined;
  private phase: NodePhase = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private readonly pinging = new Set<string>();
  private readonly repairing = new Map<LeafSide, Promise<void>>();
  private readonly listeners = new Set<() => void>();
  private leafSignature = '';

  constructor(options: PastryNodeOptions = {}) {
    this.id = options.id ?? idFromHex(randomBytes(16).toString('hex'));
    this.config = pastryConfig(options.pastry);
    this.keepAliveIntervalMs = positive('keepAliveIntervalMs', options.keepAliveIntervalMs ?? 1000);
    this.keepAliveTimeoutMs = positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? 3000);
    this.requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 5000);
    this.state = new NodeState<NetPeer>(this.id, this.config, (peer) => peer.rtt);
    this.server = new NodeServer((from, body) => this.handle(from, body));
  }

  get status(): NodePhase {
    return this.phase;
  }

  /** This node's id and address; throws before start. */
  get info(): PeerInfo {
    if (this.self === undefined) throw new NodeStateError('node not started');
    return this.self;
  }

  attach(app: NetApplication): void {
    this.app = app;
  }

  /** Called after every change of the leaf set. Returns the unsubscribe function. */
  onLeafSetChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(options: StartOptions = {}): Promise<PeerInfo> {
    if (this.phase !== 'idle') throw new NodeStateError(`start() on a node that is ${this.phase}`);
    this.phase = 'joining';
    const host = options.host ?? '127.0.0.1';
    const port = await this.server.listen(host, options.port ?? 0);
    this.self = { id: this.id.hex, host, port };
    this.directory = new PeerDirectory(this.self, this.keepAliveTimeoutMs, this.keepAliveTimeoutMs * 4);
    try {
      if (options.bootstrap !== undefined) await this.join(this.directory, options.bootstrap);
    } catch (error) {
      this.destroy();
      throw error;
    }
    this.phase = 'running';
    this.timer = setInterval(() => this.keepAlive(), this.keepAliveIntervalMs);
    this.timer.unref();
    return this.self;
  }

  /** Route `data` to the live node numerically closest to `key`; resolves with its application's answer. */
  async route(key: Id, data: unknown): Promise<RouteResult> {
    if (this.phase !== 'running') throw new NodeStateError(`route() on a node that is ${this.phase}`);
    return this.routeFrom(key, 0, { kind: 'app', data: data ?? null });
  }

  /** Send `data` to one peer's application directly. */
  async send(to: PeerInfo, data: unknown): Promise<unknown> {
    const reply = await this.dir().request(to, { type: 'direct', data: data ?? null }, this.requestTimeoutMs);
    return directReplySchema.parse(reply).result;
  }

  /** Graceful leave: tell the leaf set, then close every socket. */
  async close(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'idle') {
      this.destroy();
      return;
    }
    this.stopTimer();
    const directory = this.dir();
    await Promise.allSettled(
      this.state.leafSet.members().map((peer) => directory.request(peer.info, { type: 'leave' }, this.keepAliveTimeoutMs)),
    );
    this.destroy();
  }

  /** Stop at once: no leave message, every socket destroyed. Idempotent. */
  destroy(): void {
    this.phase = 'closed';
    this.stopTimer();
    this.server.destroy();
    this.directory?.destroy();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private dir(): PeerDirectory {
    if (this.directory === undefined || this.phase === 'closed') throw new NodeStateError(`node is ${this.phase}`);
    return this.directory;
  }

  private async join(directory: PeerDirectory, bootstrap: { host: string; port: number }): Promise<void> {
    const contact = await directory.ping(bootstrap.host, bootstrap.port);
    const body: Request = { type: 'route', key: this.id.hex, hops: 0, body: { kind: 'join', path: [] } };
    const reply = deliveredSchema.parse(await directory.request(contact.info, body, this.routeTimeout(0)));
    const { path } = joinResultSchema.parse(reply.result);
    const seen = new Map<string, PeerInfo>();
    for (const snapshot of path) {
      for (const info of [snapshot.self, ...snapshot.table, ...snapshot.leaves, ...snapshot.neighbors]) seen.set(info.id, info);
    }
    const peers = await Promise.all([...seen.values()].map((info) => directory.contact(info)));
    for (const peer of peers) if (peer !== undefined) this.state.consider(peer);
    this.leavesMaybeChanged();
    await Promise.all(
      [...this.state.known()].map((peer) =>
        directory.request(peer.info, { type: 'announce' }, this.requestTimeoutMs).then(
          (answer) => ackSchema.parse(answer),
          (error: unknown) => this.lost(peer.info.id, error),
        ),
      ),
    );
  }

  private async handle(from: PeerInfo, body: Request): Promise<unknown> {
    switch (body.type) {
      case 'ping':
        this.learn(from);
        return { self: this.info };
      case 'announce': {
        const peer = await this.dir().contact(from);
        if (peer !== undefined) this.offer(peer);
        return { ok: true };
      }
      case 'leafset':
        return { members: this.state.leafSet.members().map((peer) => peer.info) };
      case 'leave':
        this.failed(from.id);
        return { ok: true };
      case 'route':
        return this.routeFrom(idFromHex(body.key), body.hops, body.body);
      case 'direct': {
        if (this.app === undefined) throw new RemoteError('DHT_NO_APPLICATION', 'no application attached to this node');
        return { result: (await this.app.direct(from, body.data)) ?? null };
      }
    }
  }

  /**
   * One routing step, repeated while the chosen next hop turns out dead (lazy repair: the
   * dead node is dropped and `nextHop` asked again).
   */
  private async routeFrom(key: Id, hops: number, body: RouteBody): Promise<RouteResult> {
    for (;;) {
      const step = nextHop(this.state, key);
      if (step.action === 'deliver') return this.deliverHere(key, hops, body);
      if (hops + 1 > MAX_HOPS) throw new RemoteError('DHT_ROUTE_LOOP', `route for ${key.hex} exceeded ${MAX_HOPS} hops`);
      const forwarded: RouteBody = body.kind === 'join' ? { kind: 'join', path: [...body.path, this.snapshot(false)] } : body;
      const request: Request = { type: 'route', key: key.hex, hops: hops + 1, body: forwarded };
      try {
        const reply = await this.dir().request(step.next.info, request, this.routeTimeout(hops + 1));
        return deliveredSchema.parse(reply);
      } catch (error) {
        if (!(error instanceof PeerUnreachableError)) throw error;
        this.failed(step.next.info.id);
      }
    }
  }

  private async deliverHere(key: Id, hops: number, body: RouteBody): Promise<RouteResult> {
    if (body.kind === 'join') return { root: this.info, hops, result: { path: [...body.path, this.snapshot(true)] } };
    const result = this.app === undefined ? null : await this.app.deliver(key, body.data, hops);
    return { root: this.info, hops, result: result ?? null };
  }

  /** An outer hop waits longer than the hops after it, so a timeout is blamed on the right node. */
  private routeTimeout(hops: number): number {
    return this.requestTimeoutMs + (MAX_HOPS - hops) * ROUTE_SLACK_PER_HOP_MS;
  }

  private snapshot(withLeaves: boolean): Snapshot {
    return {
      self: this.info,
      table: [...this.state.table.entries()].map((peer) => peer.info),
      leaves: withLeaves ? this.state.leafSet.members().map((peer) => peer.info) : [],
      neighbors: this.state.neighborhood.members().map((peer) => peer.info),
    };
  }

  private offer(peer: NetPeer): void {
    this.state.consider(peer);
    this.leavesMaybeChanged();
  }

  private lost(id: string, error: unknown): void {
    if (error instanceof PeerUnreachableError) this.failed(id);
  }

  /** A peer failed or left: forget it everywhere and repair the leaf set side it was on. */
  private failed(idHex: string): void {
    if (this.phase === 'closed') return;
    this.dir().markDead(idHex);
    const id = idFromHex(idHex);
    const side = this.state.leafSet.remove(id);
    this.state.table.remove(id);
    this.state.neighborhood.remove(id);
    if (side !== undefined) {
      this.leavesMaybeChanged();
      this.repair(side);
    }
  }

  private keepAlive(): void {
    if (this.phase !== 'running') return;
    const directory = this.dir();
    for (const peer of this.state.leafSet.members()) {
      const idHex = peer.info.id;
      if (this.pinging.has(idHex)) continue;
      this.pinging.add(idHex);
      directory
        .request(peer.info, { type: 'ping' }, this.keepAliveTimeoutMs)
        .catch((error: unknown) => this.lost(idHex, error))
        .finally(() => this.pinging.delete(idHex));
    }
    if (++this.ticks % EXCHANGE_EVERY_TICKS === 0) {
      this.repair('smaller', true);
      this.repair('larger', true);
    }
  }

  /** A peer that pings us and is unknown here (found dead too early, or missed at join) is contacted and offered. */
  private learn(from: PeerInfo): void {
    const directory = this.directory;
    if (this.phase !== 'running' || directory === undefined) return;
    void directory.contact(from).then((peer) => {
      if (peer !== undefined && this.phase === 'running') this.offer(peer);
    });
  }

  /**
   * Refill a leaf set side from the leaf sets of its members, farthest first (one repair per
   * side at a time). `exchange`: ask the farthest member even when the side is full, so a
   * live node dropped by mistake (a slow keep-alive) comes back.
   */
  private repair(side: LeafSide, exchange = false): void {
    if (this.repairing.has(side) || this.phase === 'closed') return;
    const run = this.repairSide(side, exchange)
      .catch(() => undefined)
      .finally(() => this.repairing.delete(side));
    this.repairing.set(side, run);
  }

  private async repairSide(side: LeafSide, exchange: boolean): Promise<void> {
    const leafSet = this.state.leafSet;
    const asked = new Set<string>();
    while ((exchange && asked.size === 0) || (leafSet.side(side).length < leafSet.half && this.phase !== 'closed')) {
      const members = leafSet.side(side);
      const source = [...members].reverse().find((peer) => !asked.has(peer.info.id));
      if (source === undefined) return;
      asked.add(source.info.id);
      let reported: PeerInfo[];
      try {
        reported = leafSetReplySchema.parse(await this.dir().request(source.info, { type: 'leafset' }, this.keepAliveTimeoutMs)).members;
      } catch (error) {
        this.lost(source.info.id, error);
        continue;
      }
      const peers = await Promise.all(reported.map((info) => this.dir().contact(info)));
      for (const peer of peers) if (peer !== undefined) this.state.consider(peer);
      this.leavesMaybeChanged();
    }
  }

  private leavesMaybeChanged(): void {
    const signature = this.state.leafSet
      .members()
      .map((peer) => peer.info.id)
      .join(',');
    if (signature === this.leafSignature) return;
    this.leafSignature = signature;
    for (const listener of [...this.listeners]) listener();
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
