import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastryConfig } from '../../src/dht/config.js';
import { idFromHex, type Id } from '../../src/dht/ids.js';
import { NodeState } from '../../src/dht/node-state.js';
import { nextHop } from '../../src/dht/pastry-route.js';

interface P {
  readonly id: Id;
}
const pad = (prefix: string): string => prefix.padEnd(32, '0');
const peer = (prefix: string): P => ({ id: idFromHex(pad(prefix)) });

function stateOf(self: string, peers: P[], l = 4): NodeState<P> {
  const state = new NodeState<P>(idFromHex(pad(self)), pastryConfig({ l }), () => 1);
  for (const p of peers) state.consider(p);
  return state;
}

test('a key inside the leaf range goes to the numerically closest leaf, or is delivered here', () => {
  const leaves = [peer('51'), peer('52'), peer('4f'), peer('4e')];
  const state = stateOf('50', leaves);
  const step = nextHop(state, idFromHex(pad('5180')));
  assert.deepEqual(step, { action: 'forward', next: leaves[0], rule: 'leaf' });
  assert.deepEqual(nextHop(state, idFromHex(pad('5008'))), { action: 'deliver' });
});

test('outside the leaf range: the routing table entry sharing one more digit', () => {
  const far = peer('a3');
  const state = stateOf('50', [peer('51'), peer('52'), peer('4f'), peer('4e'), far]);
  assert.deepEqual(nextHop(state, idFromHex(pad('a3ff'))), { action: 'forward', next: far, rule: 'table' });
});

test('the rare case: no table entry, a known node with as long a prefix and numerically closer', () => {
  // the key shares digit "5" with the owner; the "57" slot is empty; 5a is known and closer.
  const closer = peer('5a');
  const state = stateOf('50', [peer('51'), peer('4f'), peer('4e'), closer, peer('52')]);
  assert.equal(state.table.entryFor(idFromHex(pad('57'))), undefined);
  assert.equal(state.leafSet.covers(idFromHex(pad('57'))), false);
  const step = nextHop(state, idFromHex(pad('58')));
  assert.deepEqual(step, { action: 'forward', next: closer, rule: 'rare' });
});

test('a node knowing nothing delivers everything itself', () => {
  const state = stateOf('50', []);
  assert.deepEqual(nextHop(state, idFromHex(pad('ff'))), { action: 'deliver' });
});
