import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idFromHex } from '../../src/dht/ids.js';
import { PastryNode, type TableRepair } from '../../src/dht/net/node.js';
import { netPeer } from '../../src/dht/net/net-peer.js';

/*
 * The paper's routing table repair, on real nodes whose tables the test sets by hand (b = 4):
 * X = 000..1 holds E = a00.. in row 0, column a. When E is found dead, X asks the other
 * entries of row 0 for their (0, a), then the entries of row 1.
 */

const options = { keepAliveIntervalMs: 1000, keepAliveTimeoutMs: 1000, requestTimeoutMs: 2000 };
const ids = {
  x: '00000000000000000000000000000001',
  e: 'a0000000000000000000000000000000', // X's entry (0, a), the one that fails
  f: 'a8000000000000000000000000000000', // a live replacement for (0, a)
  y: '10000000000000000000000000000000', // X's entry (0, 1)
  w: '20000000000000000000000000000000', // X's entry (0, 2)
  z: '01000000000000000000000000000000', // X's entry (1, 1)
};
type Name = keyof typeof ids;

async function overlay(t: { after(fn: () => void): void }): Promise<Record<Name, PastryNode>> {
  const nodes = {} as Record<Name, PastryNode>;
  for (const name of Object.keys(ids) as Name[]) {
    nodes[name] = new PastryNode({ ...options, id: idFromHex(ids[name]) });
    await nodes[name].start({ host: '127.0.0.1', port: 0 });
  }
  t.after(() => Object.values(nodes).forEach((node) => node.destroy()));
  return nodes;
}

/** Put `entries` in `owner`'s routing table only (not its leaf set: no keep-alive finds E dead first). */
function tableHolds(owner: PastryNode, ...entries: PastryNode[]): void {
  for (const entry of entries) assert.ok(owner.state.table.consider(netPeer(entry.info, 1)), `${entry.id.hex} takes a slot of ${owner.id.hex}`);
}

/** X routes a key starting with 'a': its next hop E is dead, which starts the repair of (0, a); resolves with the outcome. */
async function routeIntoDeadEntry(x: PastryNode, e: PastryNode): Promise<TableRepair> {
  const repaired = new Promise<TableRepair>((resolve) => {
    const off = x.onTableRepair((repair) => {
      off();
      resolve(repair);
    });
  });
  e.destroy();
  const routed = await x.route(idFromHex('a5000000000000000000000000000000'), null);
  assert.notEqual(routed.root.id, ids.e, 'the route went around the dead node');
  return repaired;
}

test('a dead routing table entry is replaced by asking the other entries of its row', async (t) => {
  const n = await overlay(t);
  tableHolds(n.x, n.e, n.y, n.w, n.z);
  tableHolds(n.w, n.f);
  assert.equal(n.x.state.table.get(0, 0xa)?.info.id, ids.e);
  const repair = await routeIntoDeadEntry(n.x, n.e);
  assert.deepEqual({ row: repair.row, column: repair.column, filled: repair.filled?.id }, { row: 0, column: 0xa, filled: ids.f });
  assert.equal(n.x.state.table.get(0, 0xa)?.info.id, ids.f, "W's (0, a) entry took the slot");
});

test('when no entry of the row knows a live node, the next row is asked', async (t) => {
  const n = await overlay(t);
  tableHolds(n.x, n.e, n.y, n.w, n.z);
  tableHolds(n.y, n.e); // Y still points at the dead node: its answer is pinged and dropped
  tableHolds(n.z, n.f); // Z shares X's first digit; its row 0 holds F
  const repair = await routeIntoDeadEntry(n.x, n.e);
  assert.deepEqual({ row: repair.row, column: repair.column, filled: repair.filled?.id }, { row: 0, column: 0xa, filled: ids.f });
  assert.equal(n.x.state.table.get(0, 0xa)?.info.id, ids.f);
});

test('when nobody knows a replacement the slot stays empty and the repair ends', async (t) => {
  const n = await overlay(t);
  tableHolds(n.x, n.e, n.y, n.z);
  const repair = await routeIntoDeadEntry(n.x, n.e);
  assert.deepEqual({ row: repair.row, column: repair.column, filled: repair.filled }, { row: 0, column: 0xa, filled: undefined });
  assert.equal(n.x.state.table.get(0, 0xa), undefined);
  assert.equal(n.x.state.table.size, 2, 'Y and Z stay');
});
