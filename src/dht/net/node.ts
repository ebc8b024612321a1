import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { pastryConfig, type PastryConfig } from '../config.js';
import { digitAt, idFromHex, sharedPrefixDigits, type Id } from '../ids.js';
import type { LeafSide } from '../leaf-set.js';
import { NodeState } from '../node-state.js';
import { nextHop } from '../pastry-route.js';
import { PeerDirectory } from './directory.js';
import { JoinError, NodeStateError, PeerUnreachableError, RemoteError } from './errors.js';
import type { NetPeer } from './net-peer.js';
import { NodeServer } from './server.js';
import type { OverlayCredentials } from './secure/credentials.js';
import { isLoopbackAddress } from '../../transport/address.js';
import {
  ackSchema,
  deliveredSchema,
  directReplySchema,
  entryReplySchema,
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
  /**
   * Authenticate every peer and seal every frame (docs/dht.md, "Peer authentication"); the
   * node's id is then the one its key gives. Absent: an open overlay, allowed on loopback only.
   */
  readonly security?: OverlayCredentials;
}

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface ListenOptions {
  /** The address to listen on (default 127.0.0.1); 0.0.0.0 or :: need `advertiseHost`. */
  readonly host?: string;
  /** 0 (the default): any free port. */
  readonly port?: number;
  /** The host other nodes reach this one at (default `host`). */
  readonly advertiseHost?: string;
}

export interface StartOptions extends ListenOptions {
  /** Live nodes of the overlay, tried nearest first (join()); absent for the first node. */
  readonly bootstrap?: Address | readonly Address[];
}

/** What one routing table repair found: `filled` is the node now in the slot, undefined when none was found. */
export interface TableRepair {
  readonly row: number;
  readonly column: number;
  readonly filled: PeerInfo | undefined;
}

/**
 * What a forward upcall decides. Returning nothing sends the message on unchanged; `null`
 * stops it at this node (as `next: null` does, with a null result).
 */
export interface ForwardDecision {
  /** The message to send on instead (absent: unchanged). */
  readonly data?: unknown;
  /**
   * Another next hop (absent: the one routing chose). A node that does not answer, or is
   * recently dead, is ignored and routing's choice used; this node's own id delivers here;
   * null stops the message here: deliver is not called, and the origin's route() resolves
   * with `stopped: true`, `root` this node and `result`.
   */
  readonly next?: PeerInfo | null;
  /** With `next: null`: what the origin gets as `result` (default null). */
  readonly result?: unknown;
}

/**
 * What an application built on the node (storage) answers: the common KBR API's upcalls
 * (deliver, forward, update) and direct messages. Data it receives is unvalidated.
 */
export interface NetApplication {
  /** A routed message reached this node, the numerically closest live node to `key`. */
  deliver(key: Id, data: unknown, hops: number): Promise<unknown>;
  /** A message sent to this node directly (replication, fetches). */
  direct(from: PeerInfo, data: unknown): Promise<unknown>;
  /**
   * A routed `app` message is about to go from this node to `next` (at the origin too, not at
   * the root; never for join messages). `hops`: the hops it took to get here. Called again
   * when the chosen hop turns out dead. Absent: no call, nothing awaited.
   */
  forward?(key: Id, data: unknown, next: PeerInfo, hops: number): ForwardDecision | null | void | Promise<ForwardDecision | null | void>;
  /** A node joined (`joined` true) or left this node's leaf set; once per node, after the change. */
  update?(peer: PeerInfo, joined: boolean): void;
}

export interface RouteOptions {
  /** A suggested first hop: used when it answers, else routing goes on as without it. */
  readonly hint?: PeerInfo;
}

export interface RouteResult {
  /** The node the message was delivered to, or the node whose forward upcall stopped it. */
  readonly root: PeerInfo;
  readonly hops: number;
  readonly result: unknown;
  /** Set when a forward upcall stopped the message before its root. */
  readonly stopped?: true;
}

/** A route's answer as it travels back along the path. */
const routeReplySchema = deliveredSchema.extend({ stopped: z.literal(true).optional() });

export type NodePhase = 'idle' | 'listening' | 'joining' | 'running' | 'closed';

const ROUTE_SLACK_PER_HOP_MS = 50;
/** Every this many keep-alive rounds, each side's leaf set is compared with its farthest member's. */
const EXCHANGE_EVERY_TICKS = 4;
/** join() pings this many bootstrap contacts at once and tries them nearest first. */
const MEASURED_BOOTSTRAPS = 8;

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
  private readonly security: OverlayCredentials | undefined;
  private directory: PeerDirectory | undefined;
  private self: PeerInfo | undefined;
  private app: NetApplication | undefined;
  private phase: NodePhase = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private readonly pinging = new Set<string>();
  private readonly repairing = new Map<LeafSide, Promise<void>>();
  private readonly listeners = new Set<() => void>();
  private readonly repairListeners = new Set<(repair: TableRepair) => void>();
  private readonly repairingSlots = new Set<string>();
  private leafSignature = '';
  private leafMembers = new Map<string, PeerInfo>();
  private readonly updateListeners = new Set<(peer: PeerInfo, joined: boolean) => void>();

  constructor(options: PastryNodeOptions = {}) {
    this.security = options.security;
    if (this.security !== undefined && options.id !== undefined && options.id.hex !== this.security.nodeId) {
      throw new RangeError(`id ${options.id.hex} is not the id the node key gives (${this.security.nodeId}); with security the id comes from the key`);
    }
    this.id = options.id ?? idFromHex(this.security?.nodeId ?? randomBytes(16).toString('hex'));
    this.config = pastryConfig(options.pastry);
    this.keepAliveIntervalMs = positive('keepAliveIntervalMs', options.keepAliveIntervalMs ?? 1000);
    this.keepAliveTimeoutMs = positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? 3000);
    this.requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 5000);
    this.state = new NodeState<NetPeer>(this.id, this.config, (peer) => peer.rtt);
    this.server = new NodeServer((from, body) => this.handle(from, body), this.security);
    this.security?.onChange((event) => {
      if (event.kind === 'revoked') for (const node of event.nodes) this.failed(node);
    });
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

  /**
   * Called once per node that joined (`joined` true) or left the leaf set, before the
   * onLeafSetChanged listeners of the same change. Returns the unsubscribe function.
   */
  onLeafSetUpdate(listener: (peer: PeerInfo, joined: boolean) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  /** Called after each routing table repair (a slot emptied by a failed node) ends. Returns the unsubscribe function. */
  onTableRepair(listener: (repair: TableRepair) => void): () => void {
    this.repairListeners.add(listener);
    return () => this.repairListeners.delete(listener);
  }

  /** listen(), then join() through the bootstrap nodes; a failure destroys the node. */
  async start(options: StartOptions = {}): Promise<PeerInfo> {
    const self = await this.listen(options);
    const { bootstrap } = options;
    try {
      await this.join(bootstrap === undefined ? [] : isAddressList(bootstrap) ? bootstrap : [bootstrap]);
    } catch (error) {
      this.destroy();
      throw error;
    }
    return self;
  }

  /** Open the node's TCP server; the node answers peers from now on, but routes only after join(). */
  async listen(options: ListenOptions = {}): Promise<PeerInfo> {
    if (this.phase !== 'idle') throw new NodeStateError(`listen() on a node that is ${this.phase}`);
    const host = options.host ?? '127.0.0.1';
    const advertised = options.advertiseHost ?? host;
    if (isWildcardHost(advertised)) throw new RangeError(`host ${host} is every interface: give advertiseHost, the address other nodes reach this node at`);
    if (this.security === undefined && !isLoopbackAddress(host)) {
      throw new RangeError(`a node listening on ${host} must authenticate its peers: give it security credentials (an agent gets them from the router), or listen on 127.0.0.1`);
    }
    this.phase = 'listening';
    let port: number;
    try {
      port = await this.server.listen(host, options.port ?? 0);
    } catch (error) {
      this.destroy();
      throw new NodeStateError(`cannot listen on ${host}:${options.port ?? 0}: ${(error as Error).message}`, { cause: error });
    }
    this.self = { id: this.id.hex, host: advertised, port };
    this.directory = new PeerDirectory(this.self, this.keepAliveTimeoutMs, this.keepAliveTimeoutMs * 4, this.security);
    return this.self;
  }

  /**
   * Join the overlay through the nearest of `bootstraps` that lets this node in (none given:
   * this node starts a new overlay), then run keep-alives. The first MEASURED_BOOTSTRAPS are
   * pinged at once (twice: the second round trip is on the open link) and tried in order of
   * RTT, the rest after them in the order given. When every bootstrap fails, throws JoinError
   * naming each failure and leaves the node listening, so it may try others.
   */
  async join(bootstraps: readonly Address[] = []): Promise<void> {
    if (this.phase !== 'listening') throw new NodeStateError(`join() on a node that is ${this.phase}`);
    const directory = this.dir();
    this.phase = 'joining';
    const failures: string[] = [];
    const failure = (address: Address, error: unknown): string => `${address.host}:${address.port}: ${(error as Error).message}`;
    const measured = await Promise.all(
      bootstraps.slice(0, MEASURED_BOOTSTRAPS).map((address) =>
        this.measure(directory, address).then(
          (peer) => ({ address, peer }),
          (error: unknown) => ({ address, error }),
        ),
      ),
    );
    if (this.isClosed()) throw new NodeStateError('the node was closed while joining');
    const nearest: { address: Address; peer: NetPeer }[] = [];
    for (const outcome of measured) {
      if ('peer' in outcome) nearest.push(outcome);
      else failures.push(failure(outcome.address, outcome.error));
    }
    nearest.sort((a, b) => a.peer.rtt - b.peer.rtt);
    const candidates: { address: Address; peer?: NetPeer }[] = [...nearest, ...bootstraps.slice(MEASURED_BOOTSTRAPS).map((address) => ({ address }))];
    let joined = bootstraps.length === 0;
    for (const { address, peer } of candidates) {
      try {
        await this.joinVia(directory, peer ?? (await directory.ping(address.host, address.port)));
        joined = true;
        break;
      } catch (error) {
        if (this.isClosed()) throw new NodeStateError('the node was closed while joining');
        failures.push(failure(address, error));
      }
    }
    if (!joined) {
      this.phase = 'listening';
      throw new JoinError(`could not join through any of ${bootstraps.length} bootstrap node(s): ${failures.join('; ')}`);
    }
    this.phase = 'running';
    this.timer = setInterval(() => this.keepAlive(), this.keepAliveIntervalMs);
    this.timer.unref();
  }

  /**
   * Route `data` to the live node numerically closest to `key`; resolves with its application's
   * answer (or, `stopped`, the answer of a forward upcall that stopped it). With `hint` the
   * first hop is the hint when it answers (a ping first when it is new here); when it does
   * not, routing goes on as without it.
   */
  async route(key: Id, data: unknown, options: RouteOptions = {}): Promise<RouteResult> {
    if (this.phase !== 'running') throw new NodeStateError(`route() on a node that is ${this.phase}`);
    const body: RouteBody = { kind: 'app', data: data ?? null };
    const { hint } = options;
    if (hint === undefined) return this.routeFrom(key, 0, body);
    return this.routeFrom(key, 0, body, await this.dir().contact(hint));
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

  /** A method, so that checks after an await are not narrowed away by earlier ones. */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private dir(): PeerDirectory {
    if (this.directory === undefined || this.phase === 'closed') throw new NodeStateError(`node is ${this.phase}`);
    return this.directory;
  }

  /** Ping an address, then once more on the now open link (the first round trip includes the connect); the peer's rtt is the lower. */
  private async measure(directory: PeerDirectory, address: Address): Promise<NetPeer> {
    const peer = await directory.ping(address.host, address.port);
    await this.probe(directory, peer);
    return peer;
  }

  /** Ping a peer and record the round trip as a proximity sample. Throws PeerUnreachableError. */
  private async probe(directory: PeerDirectory, peer: NetPeer): Promise<void> {
    const started = performance.now();
    await directory.request(peer.info, { type: 'ping' }, this.keepAliveTimeoutMs);
    directory.recordRtt(peer, performance.now() - started);
  }

  private async joinVia(directory: PeerDirectory, contact: NetPeer): Promise<void> {
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
        // A node announcing itself has just joined: whatever we remembered of it as dead is stale.
        this.dir().revive(from.id);
        const peer = await this.dir().contact(from);
        if (peer !== undefined) this.offer(peer);
        return { ok: true };
      }
      case 'leafset':
        return { members: this.state.leafSet.members().map((peer) => peer.info) };
      case 'entry':
        return { entry: this.state.table.get(body.row, body.column)?.info ?? null };
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
   * dead node is dropped and `nextHop` asked again). `first`: the first hop to try (a hint).
   * An `app` message goes past the application's forward upcall first, when it has one.
   */
  private async routeFrom(key: Id, hops: number, body: RouteBody, first?: NetPeer): Promise<RouteResult> {
    let hinted = first;
    for (;;) {
      let next: NetPeer;
      if (hinted !== undefined) {
        next = hinted;
        hinted = undefined;
      } else {
        const step = nextHop(this.state, key);
        if (step.action === 'deliver') return this.deliverHere(key, hops, body);
        next = step.next;
      }
      if (hops + 1 > MAX_HOPS) throw new RemoteError('DHT_ROUTE_LOOP', `route for ${key.hex} exceeded ${MAX_HOPS} hops`);
      let forwarded: RouteBody = body;
      if (body.kind === 'join') forwarded = { kind: 'join', path: [...body.path, this.snapshot(false)] };
      else if (this.app?.forward !== undefined) {
        const decision = await this.app.forward(key, body.data, next.info, hops);
        if (decision === null) return { root: this.info, hops, result: null, stopped: true };
        if (decision !== undefined) {
          if ('data' in decision) forwarded = { kind: 'app', data: decision.data ?? null };
          if (decision.next === null) return { root: this.info, hops, result: decision.result ?? null, stopped: true };
          if (decision.next !== undefined && decision.next.id !== next.info.id) {
            if (decision.next.id === this.id.hex) return this.deliverHere(key, hops, forwarded);
            next = (await this.dir().contact(decision.next)) ?? next;
          }
        }
      }
      const request: Request = { type: 'route', key: key.hex, hops: hops + 1, body: forwarded };
      try {
        const reply = await this.dir().request(next.info, request, this.routeTimeout(hops + 1));
        return routeReplySchema.parse(reply);
      } catch (error) {
        if (!(error instanceof PeerUnreachableError)) throw error;
        this.failed(next.info.id);
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
    const slot = this.state.table.remove(id);
    this.state.neighborhood.remove(id);
    if (side !== undefined) {
      this.leavesMaybeChanged();
      this.repair(side);
    }
    if (slot !== undefined) this.repairTableSlot(slot.row, slot.column);
  }

  /** Refill a routing table slot a failed node left empty (one repair per slot at a time). */
  private repairTableSlot(row: number, column: number): void {
    const slot = `${row}:${column}`;
    if (this.repairingSlots.has(slot) || this.phase === 'closed') return;
    this.repairingSlots.add(slot);
    this.refillSlot(row, column)
      .catch(() => undefined)
      .finally(() => {
        this.repairingSlots.delete(slot);
        const filled = this.state.table.get(row, column)?.info;
        for (const listener of [...this.repairListeners]) listener({ row, column, filled });
      });
  }

  /**
   * The paper's routing table repair: ask the other entries of row `row`, one at a time, for
   * their entry (row, column); when none has a live one, ask the entries of row + 1 (their
   * row `row` shares this node's first `row` digits too). Candidates are pinged first.
   */
  private async refillSlot(row: number, column: number): Promise<void> {
    const b = this.config.b;
    const fits = (peer: NetPeer): boolean => sharedPrefixDigits(this.id, peer.id, b) === row && digitAt(peer.id, row, b) === column;
    for (const askRow of [row, row + 1]) {
      const sources = (this.state.table.row(askRow) ?? []).filter((peer): peer is NetPeer => peer !== undefined);
      for (const source of sources) {
        if (this.state.table.get(row, column) !== undefined || this.phase === 'closed') return;
        let answer: PeerInfo | null;
        try {
          answer = entryReplySchema.parse(await this.dir().request(source.info, { type: 'entry', row, column }, this.keepAliveTimeoutMs)).entry;
        } catch (error) {
          this.lost(source.info.id, error);
          continue;
        }
        if (answer === null) continue;
        const candidate = await this.dir().contact(answer);
        if (candidate !== undefined && fits(candidate)) this.offer(candidate);
      }
      if (this.state.table.get(row, column) !== undefined) return;
    }
  }

  /**
   * One keep-alive round: ping every leaf and, in turn, one routing table or neighborhood
   * entry that is not a leaf; each answer is an RTT sample (PeerDirectory.recordRtt), so the
   * proximity of every known node is measured on an open link, and a silent one is dropped.
   */
  private keepAlive(): void {
    if (this.phase !== 'running') return;
    const directory = this.dir();
    this.state.neighborhood.refresh();
    for (const peer of this.state.leafSet.members()) this.keepAlivePing(directory, peer);
    const others = [...this.state.known()].filter((peer) => !this.state.leafSet.has(peer.id));
    const other = others[this.ticks % Math.max(1, others.length)];
    if (other !== undefined) this.keepAlivePing(directory, other);
    if (++this.ticks % EXCHANGE_EVERY_TICKS === 0) {
      this.repair('smaller', true);
      this.repair('larger', true);
    }
  }

  private keepAlivePing(directory: PeerDirectory, peer: NetPeer): void {
    const idHex = peer.info.id;
    if (this.pinging.has(idHex)) return;
    this.pinging.add(idHex);
    this.probe(directory, peer)
      .catch((error: unknown) => this.lost(idHex, error))
      .finally(() => this.pinging.delete(idHex));
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

  /** After a possible leaf set change: the update upcall per node added or removed, then the change listeners. */
  private leavesMaybeChanged(): void {
    const members = this.state.leafSet.members();
    const signature = members.map((peer) => peer.info.id).join(',');
    if (signature === this.leafSignature) return;
    this.leafSignature = signature;
    const before = this.leafMembers;
    const after = new Map(members.map((peer) => [peer.info.id, peer.info]));
    this.leafMembers = after;
    for (const [id, info] of after) if (!before.has(id)) this.notifyUpdate(info, true);
    for (const [id, info] of before) if (!after.has(id)) this.notifyUpdate(info, false);
    for (const listener of [...this.listeners]) listener();
  }

  /** An exception thrown by an update upcall is ignored: it must not break the protocol step that changed the leaf set. */
  private notifyUpdate(peer: PeerInfo, joined: boolean): void {
    const app = this.app;
    if (app?.update !== undefined) {
      try {
        app.update(peer, joined);
      } catch {
        // ignored, see above
      }
    }
    for (const listener of [...this.updateListeners]) {
      try {
        listener(peer, joined);
      } catch {
        // ignored, see above
      }
    }
  }
}

function isAddressList(value: Address | readonly Address[]): value is readonly Address[] {
  return Array.isArray(value);
}

/** An address that means "every interface": not one another node can connect to. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '0:0:0:0:0:0:0:0';
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
