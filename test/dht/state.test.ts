import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idFromBigint, idFromHex, RING, type Id } from '../../src/dht/ids.js';
import { LeafSet } from '../../src/dht/leaf-set.js';
import { NeighborhoodSet } from '../../src/dht/neighborhood-set.js';
import { RoutingTable } from '../../src/dht/routing-table.js';
import { pastryConfig } from '../../src/dht/config.js';

interface P {
  readonly id: Id;
  readonly at: number;
}
const peer = (hex: string, at = 0): P => ({ id: idFromHex(hex), at });
const pad = (prefix: string): string => prefix.padEnd(32, '0');
const byAt = (p: P): number => p.at;

test('routing table: each node lands in row = shared prefix, column = its next digit', () => {
  const table = new RoutingTable<P>(idFromHex(pad('a1b2')), 4, byAt);
  const far = peer(pad('3'));
  const row1 = peer(pad('a7'));
  const row3 = peer(pad('a1bf'));
  for (const p of [far, row1, row3]) assert.equal(table.consider(p), true);
  assert.equal(table.get(0, 3), far);
  assert.equal(table.get(1, 7), row1);
  assert.equal(table.get(3, 0xf), row3);
  assert.equal(table.size, 3);
  assert.equal(table.rowsInUse, 4);
  assert.equal(table.row(2), undefined, 'rows with no entry are not allocated');
  assert.equal(table.entryFor(idFromHex(pad('a7ff'))), row1);
  assert.equal(table.entryFor(idFromHex(pad('a8'))), undefined);
  assert.equal(table.consider({ id: table.self, at: 0 }), false, 'the owner never enters its own table');
});

test('routing table keeps the proximity-closest node per slot, and forgets removed nodes', () => {
  const table = new RoutingTable<P>(idFromHex(pad('0')), 4, byAt);
  const a = peer(pad('51'), 10);
  const nearer = peer(pad('52'), 3);
  const farther = peer(pad('53'), 20);
  assert.equal(table.consider(a), true);
  assert.equal(table.consider(nearer), true);
  assert.equal(table.consider(farther), false);
  assert.equal(table.get(0, 5), nearer);
  assert.equal(table.size, 1);
  assert.deepEqual(table.remove(farther.id), undefined);
  assert.deepEqual(table.remove(nearer.id), { row: 0, column: 5 });
  assert.equal(table.get(0, 5), undefined);
  assert.equal(table.size, 0);
  assert.equal(table.rowFill(0), 0);
});

test('leaf set: l/2 nearest on each side, by side of the ring, wrapping at zero', () => {
  const self = idFromBigint(10n);
  const leaves = new LeafSet<P>(self, 4);
  const n = (v: bigint): P => ({ id: idFromBigint(v), at: 0 });
  for (const v of [11n, 12n, 13n, 9n, 8n, RING - 1n, 1000n]) leaves.consider(n(v));
  assert.deepEqual(leaves.side('larger').map((p) => p.id.value), [11n, 12n]);
  assert.deepEqual(leaves.side('smaller').map((p) => p.id.value), [9n, 8n]);
  assert.equal(leaves.full, true);
  assert.equal(leaves.covers(idFromBigint(12n)), true);
  assert.equal(leaves.covers(idFromBigint(13n)), false);
  assert.equal(leaves.covers(idFromBigint(7n)), false);
  assert.equal(leaves.closestTo(idFromBigint(12n))?.id.value, 12n);
  assert.equal(leaves.closestTo(idFromBigint(10n)), undefined, 'the owner is closest to its own id');

  const wrapping = new LeafSet<P>(idFromBigint(1n), 4);
  for (const v of [RING - 1n, RING - 2n, RING - 5n, 3n]) wrapping.consider(n(v));
  assert.deepEqual(wrapping.side('smaller').map((p) => p.id.value), [RING - 1n, RING - 2n]);
  assert.deepEqual(wrapping.side('larger').map((p) => p.id.value), [3n]);
  assert.equal(wrapping.covers(idFromBigint(0n)), true);
  assert.equal(wrapping.covers(idFromBigint(RING - 3n)), false);
  assert.equal(wrapping.closestTo(idFromBigint(RING - 1n))?.id.value, RING - 1n);
});

test('leaf set: removal shrinks the range rather than letting far nodes in', () => {
  const self = idFromBigint(100n);
  const leaves = new LeafSet<P>(self, 4);
  const n = (v: bigint): P => ({ id: idFromBigint(v), at: 0 });
  for (const v of [101n, 102n, 99n, 98n]) leaves.consider(n(v));
  assert.equal(leaves.remove(idFromBigint(102n)), 'larger');
  assert.equal(leaves.remove(idFromBigint(102n)), undefined);
  assert.equal(leaves.covers(idFromBigint(102n)), false);
  leaves.consider(n(97n));
  assert.deepEqual(leaves.side('larger').map((p) => p.id.value), [101n], 'a node below never fills the larger side');
  leaves.consider(n(105n));
  assert.deepEqual(leaves.side('larger').map((p) => p.id.value), [101n, 105n]);
  assert.equal(leaves.consider(n(105n)), false, 'no duplicates');
  assert.equal(leaves.size, 4);
  assert.throws(() => new LeafSet<P>(self, 3), /even/);
});

test('neighborhood set keeps the M proximity-closest', () => {
  const near = new NeighborhoodSet<P>(idFromHex(pad('0')), 3, byAt);
  for (const [hex, at] of [['1', 5], ['2', 1], ['3', 9], ['4', 3], ['5', 7]] as const) near.consider(peer(pad(hex), at));
  assert.deepEqual(near.members().map((p) => p.at), [1, 3, 5]);
  assert.equal(near.consider(peer(pad('2'), 1)), false, 'no duplicates');
  assert.equal(near.remove(idFromHex(pad('4'))), true);
  assert.equal(near.remove(idFromHex(pad('4'))), false);
  assert.deepEqual(near.members().map((p) => p.at), [1, 5]);
});

test('config: defaults, and bad or unknown options refused by name', () => {
  assert.deepEqual(pastryConfig(), { b: 4, l: 16, m: 32 });
  assert.throws(() => pastryConfig({ b: 9 }), /b must/);
  assert.throws(() => pastryConfig({ l: 5 }), /l must/);
  assert.throws(() => pastryConfig({ q: 1 } as never), /unknown Pastry option "q"/);
});
