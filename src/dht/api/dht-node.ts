import { join } from 'node:path';
import { OverlayCredentials } from '../net/secure/credentials.js';
import type { z } from 'zod';
import { formatZodError } from '../../common/zod-error.js';
import { idFromHex, type Id } from '../ids.js';
import { PastryNode, type Address, type TableRepair } from '../net/node.js';
import { peerInfoSchema, type PeerInfo } from '../net/wire.js';
import { keyOf } from '../storage/keys.js';
import { PastStore, type ForwardHandler, type RouteHandler, type UpdateHandler } from '../storage/past.js';
import { SqliteStore } from '../storage/sqlite-store.js';
import { LocalStore } from '../storage/local-store.js';
import { dhtNodeOptionsSchema, type DhtNodeSettings } from './options.js';
import { keyNameSchema, type DhtStatus, type RemovalResult, type Routed, type StoredValue } from './schemas.js';
import { describeNode } from './status.js';

export type DhtNodeOptions = z.input<typeof dhtNodeOptionsSchema> & {
  /** Answers what route() carries to this node when it is a key's root (the same handler on every node). */
  deliver?: RouteHandler;
  /**
   * Sees each message route() sends before it leaves a node for the next hop (at the origin
   * and every node before the root): may change it, pick another next hop, or stop it there.
   */
  forward?: ForwardHandler;
  /** Told of each node that joins (`joined` true) or leaves this node's leaf set. */
  update?: UpdateHandler;
  /**
   * Authenticate peers and seal frames (docs/dht.md, "Peer authentication"): these
   * credentials, or `true` for a node key kept in the store (made on first start). The node
   * id then comes from the key; install the router's certificate in `credentials` before peers can connect.
   */
  security?: OverlayCredentials | true;
};

/** The store file of a node keeping its values under `dataDir`. */
export function dhtStorePath(dataDir: string): string {
  return join(dataDir, 'dht', 'store.db');
}

/**
 * A Pastry node with PAST-style storage, as an app runs it in its own process: values under
 * string keys (hashed to 128-bit keys), k replicas, last writer wins on (version, writer).
 * With `dataDir` the values and the node id persist, so a restarted node serves what it held.
 */
export class DhtNode {
  private constructor(
    readonly node: PastryNode,
    readonly store: PastStore,
    private readonly storePath: string | null,
    /** Set when the node authenticates its peers. */
    readonly credentials: OverlayCredentials | undefined,
  ) {}

  /** Open the store and listen; the node joins the overlay with join(). Throws a RangeError naming a bad option. */
  static async listen(options: DhtNodeOptions = {}): Promise<DhtNode> {
    const { deliver, forward, update, security, ...rest } = options;
    const settings = parseOptions(rest);
    const storePath = settings.dataDir === undefined ? null : dhtStorePath(settings.dataDir);
    const local = storePath === null ? new LocalStore(settings.maxBytes) : SqliteStore.open(storePath, { maxBytes: settings.maxBytes });
    let node: PastryNode;
    let credentials: OverlayCredentials | undefined;
    try {
      if (security !== true) credentials = security;
      else credentials = local instanceof SqliteStore ? new OverlayCredentials(local.nodeKey()) : OverlayCredentials.generate();
      node = new PastryNode({
        ...(credentials !== undefined ? { security: credentials } : local instanceof SqliteStore ? { id: idFromHex(local.nodeId()) } : {}),
        ...(settings.pastry === undefined ? {} : { pastry: settings.pastry }),
        keepAliveIntervalMs: settings.keepAliveIntervalMs,
        keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
        requestTimeoutMs: settings.requestTimeoutMs,
      });
    } catch (error) {
      local.close();
      throw error;
    }
    const store = new PastStore(node, {
      replicas: settings.replicas,
      store: local,
      ...(deliver === undefined ? {} : { deliver }),
      ...(forward === undefined ? {} : { forward }),
      ...(update === undefined ? {} : { update }),
    });
    try {
      await node.listen({ host: settings.host, port: settings.port, ...(settings.advertiseHost === undefined ? {} : { advertiseHost: settings.advertiseHost }) });
    } catch (error) {
      store.close();
      throw error;
    }
    return new DhtNode(node, store, storePath, credentials);
  }

  get id(): string {
    return this.node.id.hex;
  }

  /** This node's id and the address other nodes reach it at. */
  get address(): PeerInfo {
    return this.node.info;
  }

  /** Join through the nearest of `bootstrap` that answers (PastryNode.join); empty: start a new overlay. JoinError when none lets it in. */
  join(bootstrap: readonly Address[] = []): Promise<void> {
    return this.node.join(bootstrap);
  }

  async put(key: string, value: unknown, options: { version?: number } = {}): Promise<StoredValue> {
    const stored = await this.store.put(hashed(key), value, options);
    return { key, ...stored };
  }

  /** The value under `key`; undefined when none was written or it was removed. */
  async get(key: string): Promise<StoredValue | undefined> {
    const stored = await this.store.get(hashed(key));
    return stored === undefined ? undefined : { key, ...stored };
  }

  async remove(key: string, options: { version?: number } = {}): Promise<RemovalResult> {
    return { key, ...(await this.store.remove(hashed(key), options)) };
  }

  addToSet(key: string, elements: readonly string[]): Promise<string[]> {
    return this.store.addToSet(hashed(key), elements);
  }

  removeFromSet(key: string, elements: readonly string[]): Promise<string[]> {
    return this.store.removeFromSet(hashed(key), elements);
  }

  getSet(key: string): Promise<string[] | undefined> {
    return this.store.getSet(hashed(key));
  }

  /**
   * Route `message` to the live node numerically closest to the key; its `deliver` handler
   * answers (null without one), or a `forward` handler that stopped it (`stopped: true`).
   * `hint`: a first hop, used when it answers.
   */
  async route(key: string, message?: unknown, options: { hint?: PeerInfo } = {}): Promise<Routed> {
    const id = hashed(key);
    const { hint } = options;
    if (hint !== undefined && !peerInfoSchema.safeParse(hint).success) throw new RangeError('hint: a node\'s { id, host, port }');
    return { key, id: id.hex, ...(await this.store.routeMessage(id, message ?? null, hint === undefined ? {} : { hint })) };
  }

  status(): DhtStatus {
    return describeNode(this.node, this.store, this.storePath, this.credentials);
  }

  onTableRepair(listener: (repair: TableRepair) => void): () => void {
    return this.node.onTableRepair(listener);
  }

  /** Leave gracefully (tell the leaf set), then close the store. */
  async close(): Promise<void> {
    await this.node.close();
    this.store.close();
  }

  /** Stop at once, without telling anyone (a crash, for tests). */
  destroy(): void {
    this.node.destroy();
    this.store.close();
  }
}

/** Listen and join (`bootstrap`); a failure closes everything again. */
export async function startDhtNode(options: DhtNodeOptions = {}): Promise<DhtNode> {
  const node = await DhtNode.listen(options);
  const bootstrap = options.bootstrap === undefined ? [] : Array.isArray(options.bootstrap) ? options.bootstrap : [options.bootstrap];
  try {
    await node.join(bootstrap);
  } catch (error) {
    node.destroy();
    throw error;
  }
  return node;
}

function parseOptions(options: unknown): DhtNodeSettings {
  const parsed = dhtNodeOptionsSchema.safeParse(options);
  if (!parsed.success) throw new RangeError(`invalid DHT node options: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

function hashed(key: string): Id {
  const parsed = keyNameSchema.safeParse(key);
  if (!parsed.success) throw new RangeError(`key: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return keyOf(key);
}
