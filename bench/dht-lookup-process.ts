/**
 * `nodes` real Pastry nodes (PastryNode + PastStore, in-memory stores) on 127.0.0.1 in this
 * one process, joined one by one through the first, holding a small value under each of 4,096
 * keys; then, for each outstanding count, a closed-loop load of direct fetches from a key's
 * root (the baseline) and one of routed gets of the same keys from the same origins (the root
 * answers from its own copy in both). With `authenticated`, every node holds a certificate
 * from one authority, as agents' nodes do (handshake, sealed frames). Prints one 'result' line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { rawPublicKey } from '../src/common/ed25519.js';
import { issueCertificate } from '../src/dht/net/secure/certificate.js';
import { OverlayCredentials } from '../src/dht/net/secure/credentials.js';
import { closest, randomId, type Id } from '../src/dht/ids.js';
import { LeafSet } from '../src/dht/leaf-set.js';
import { PastryNode } from '../src/dht/net/node.js';
import { PastStore } from '../src/dht/storage/past.js';
import { randomInt, seededRandom } from '../src/dht/random.js';
import { childConfig, emit, fail, maxRssKb, processSample } from './lines.js';
import { runLoad } from './load.js';
import type { DhtLookupConfig, DhtLookupResult, DhtLookupRow } from './dht-types.js';

interface Lookup {
  origin: PastryNode;
  key: Id;
  root: PastryNode;
}

/** Whether every leaf set holds exactly the nodes it should (the overlay has settled). */
function settled(nodes: readonly PastryNode[]): boolean {
  return nodes.every((node) => {
    const expected = new LeafSet<{ id: Id }>(node.id, node.config.l);
    for (const other of nodes) expected.consider({ id: other.id });
    const want = expected.members().map((peer) => peer.id.hex).sort().join();
    return node.state.leafSet.members().map((peer) => peer.id.hex).sort().join() === want;
  });
}

async function main(): Promise<void> {
  const config = childConfig<DhtLookupConfig>();
  const random = seededRandom(config.seed);
  const nodes: PastryNode[] = [];
  const stores: PastStore[] = [];
  const authority = generateKeyPairSync('ed25519').privateKey;
  const member = (): OverlayCredentials => {
    const credentials = OverlayCredentials.generate();
    const now = Date.now();
    credentials.install(issueCertificate(authority, { node: credentials.nodeId, key: credentials.publicKey, holder: 'bench', issued: now, expires: now + 3_600_000 }), rawPublicKey(authority));
    return credentials;
  };
  const joinStarted = performance.now();
  for (let i = 0; i < config.nodes; i++) {
    const node = new PastryNode({ keepAliveIntervalMs: 1000, keepAliveTimeoutMs: 3000, requestTimeoutMs: 5000, ...(config.authenticated === true ? { security: member() } : {}) });
    stores.push(new PastStore(node));
    const bootstrap = nodes[0]?.info;
    nodes.push(node);
    await node.start({ host: '127.0.0.1', port: 0, ...(bootstrap === undefined ? {} : { bootstrap }) });
  }
  for (let i = 0; i < 200 && !settled(nodes); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!settled(nodes)) throw new Error('the overlay did not settle within 5 s');
  const joinMs = performance.now() - joinStarted;

  const lookups: Lookup[] = [];
  while (lookups.length < 4096) {
    const key = randomId(random);
    const origin = nodes[randomInt(random, nodes.length)]!;
    const root = closest(key, nodes)!;
    if (root !== origin) lookups.push({ origin, key, root });
  }
  for (let i = 0; i < lookups.length; i += 64) {
    await Promise.all(lookups.slice(i, i + 64).map(({ key }, j) => stores[(i + j) % stores.length]!.put(key, { n: i + j }, { version: 1 })));
  }
  emit({ event: 'ready' });

  const rows: DhtLookupRow[] = [];
  for (const outstanding of config.outstanding) {
    let next = 0;
    const pick = (): Lookup => lookups[next++ % lookups.length]!;
    const options = { outstanding, warmupMs: config.warmupMs, durationMs: config.durationMs };
    const direct = await runLoad(() => {
      const { origin, key, root } = pick();
      return origin.send(root.info, { op: 'fetch', key: key.hex });
    }, options);
    let hops = 0;
    let routes = 0;
    const routed = await runLoad(async () => {
      const { origin, key, root } = pick();
      const result = await origin.route(key, { op: 'get' });
      if (result.root.id !== root.id.hex) throw new Error(`lookup of ${key.hex} reached ${result.root.id}, not ${root.id.hex}`);
      if ((result.result as { record: unknown } | null)?.record == null) throw new Error(`the root of ${key.hex} answered no value`);
      hops += result.hops;
      routes++;
    }, options);
    rows.push({ outstanding, direct, routed, meanHops: hops / Math.max(1, routes) });
  }
  const result: DhtLookupResult = { nodes: config.nodes, authenticated: config.authenticated === true, joinMs, rows, maxRssKb: maxRssKb() };
  for (const node of nodes) node.destroy();
  emit({ event: 'result', result, self: processSample() });
  process.exit(0);
}

main().catch(fail);
