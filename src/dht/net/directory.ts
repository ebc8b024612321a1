import { performance } from 'node:perf_hooks';
import { PeerUnreachableError } from './errors.js';
import { Link } from './link.js';
import type { OverlayCredentials } from './secure/credentials.js';
import { addressKey, netPeer, type NetPeer } from './net-peer.js';
import { pongSchema, type PeerInfo, type Request } from './wire.js';

/**
 * The peers a node has contacted: one outgoing link per address, each peer's RTT (the ping
 * at first contact, then the lowest of its recent round trips, `recordRtt`), and a short
 * memory of peers found dead so that leaf sets passed around by others do not bring them
 * straight back.
 */
export class PeerDirectory {
  private readonly links = new Map<string, Link>();
  private readonly live = new Map<string, NetPeer>();
  private readonly dead = new Map<string, number>();
  private readonly contacting = new Map<string, Promise<NetPeer | undefined>>();
  private closed = false;

  constructor(
    private readonly self: PeerInfo,
    private readonly pingTimeoutMs: number,
    private readonly deadMemoryMs: number,
    private readonly security?: OverlayCredentials,
  ) {}

  request(to: PeerInfo, body: Request, timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new PeerUnreachableError('node is closed'));
    return this.linkTo(to.host, to.port).request(body, timeoutMs);
  }

  /**
   * Ping an address; the answer names the node there (in an authenticated overlay it must be
   * the node the link's handshake proved). Throws PeerUnreachableError.
   */
  async ping(host: string, port: number): Promise<NetPeer> {
    if (this.closed) throw new PeerUnreachableError('node is closed');
    const started = performance.now();
    const link = this.linkTo(host, port);
    const pong = pongSchema.parse(await link.request({ type: 'ping' }, this.pingTimeoutMs));
    const proven = link.provenNode;
    if (proven !== undefined && pong.self.id !== proven) {
      link.destroy();
      throw new PeerUnreachableError(`${host}:${port}: the node there claims id ${pong.self.id}, its certificate gives ${proven}`);
    }
    const peer = netPeer(pong.self, performance.now() - started);
    if (this.isDead(peer.info.id)) throw new PeerUnreachableError(`${peer.info.id} was found dead recently`);
    const known = this.live.get(peer.info.id);
    if (known !== undefined) return known;
    this.live.set(peer.info.id, peer);
    return peer;
  }

  private linkTo(host: string, port: number): Link {
    const key = addressKey(host, port);
    let link = this.links.get(key);
    if (link === undefined || link.closed) {
      link = new Link(host, port, this.self, (ended) => {
        if (this.links.get(key) === ended) this.links.delete(key);
      }, this.security);
      this.links.set(key, link);
    }
    return link;
  }

  /** The peer for `info`, pinged first when new; undefined when it is self, recently dead, or does not answer. */
  contact(info: PeerInfo): Promise<NetPeer | undefined> {
    if (info.id === this.self.id || this.isDead(info.id)) return Promise.resolve(undefined);
    const known = this.live.get(info.id);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.contacting.get(info.id);
    if (pending === undefined) {
      pending = this.ping(info.host, info.port).then(
        (peer) => (peer.info.id === info.id ? peer : undefined),
        () => undefined,
      );
      pending.finally(() => this.contacting.delete(info.id)).catch(() => undefined);
      this.contacting.set(info.id, pending);
    }
    return pending;
  }

  markDead(id: string): void {
    this.live.delete(id);
    this.dead.set(id, Date.now() + this.deadMemoryMs);
  }

  /** Forget that `id` was found dead (it announced itself again). */
  revive(id: string): void {
    this.dead.delete(id);
  }

  isDead(id: string): boolean {
    const until = this.dead.get(id);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.dead.delete(id);
    return false;
  }

  /**
   * Record a round trip to `peer` measured on an open link (a keep-alive, a probe). Its rtt
   * becomes the lowest of its last RTT_WINDOW samples, the first contact's ping included: the
   * minimum leaves out queueing delays and the TCP connect (and handshake) of a first ping;
   * the window lets it rise again when the path gets slower. Returns the new rtt.
   */
  recordRtt(peer: NetPeer, ms: number): number {
    let samples = rttSamples.get(peer);
    if (samples === undefined) {
      samples = [peer.rtt];
      rttSamples.set(peer, samples);
    }
    samples.push(ms);
    if (samples.length > RTT_WINDOW) samples.shift();
    peer.rtt = Math.min(...samples);
    return peer.rtt;
  }

  destroy(): void {
    this.closed = true;
    for (const link of [...this.links.values()]) link.destroy();
    this.links.clear();
  }
}

/** How many recent round trips a peer's rtt is the minimum of. */
export const RTT_WINDOW = 8;
const rttSamples = new WeakMap<NetPeer, number[]>();
