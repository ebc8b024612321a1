import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastryConfig } from '../../src/dht/config.js';
import { randomId } from '../../src/dht/ids.js';
import { seededRandom } from '../../src/dht/random.js';
import { failNodes, repairAll } from '../../src/dht/simulator/failure.js';
import { LiveIndex, measureLookups } from '../../src/dht/simulator/measure.js';
import { buildNetwork, simulate } from '../../src/dht/simulator/simulate.js';
import { PlaneIndex } from '../../src/dht/simulator/plane.js';
import { markdownReport } from '../../src/dht/simulator/report.js';
import { hopsChart } from '../../src/dht/simulator/svg.js';

const config = pastryConfig();

test('N = 2,000: every lookup reaches the numerically closest node, in at most ceil(log16 N) + 1 hops on average', () => {
  const report = simulate({ nodes: 2000, lookups: 2000, seed: 7 });
  assert.equal(report.lookups.correct, 2000);
  const bound = Math.ceil(Math.log(2000) / Math.log(16)) + 1;
  assert.ok(report.lookups.meanHops <= bound, `mean hops ${report.lookups.meanHops} > ${bound}`);
  assert.ok(report.lookups.meanHops > 1, 'routes are multi-hop');
  assert.ok(report.lookups.distanceRatioOfSums < 2, `distance ratio ${report.lookups.distanceRatioOfSums}`);
  assert.equal(report.fill.meanLeafSet, 16);
  assert.equal(report.fill.rowFill[0], 1, 'row 0 is full at this size');
});

test('N = 2,000 with 10% failing without notice: lookups route around the dead, and are all correct after repair', () => {
  const network = buildNetwork(2000, config, 11);
  const random = seededRandom(3);
  const dead = failNodes(network.nodes, 0.1, random);
  assert.equal(dead.length, 200);
  const before = measureLookups(network, 1000, random);
  assert.ok(before.deadAttempts > 0, 'some routes met a dead node');
  repairAll(network.nodes);
  for (const node of network.nodes) {
    if (!node.alive) continue;
    for (const peer of node.state.known()) assert.ok(peer.alive, 'repair leaves no dead node in any state');
    assert.equal(node.state.leafSet.size, 16);
  }
  const after = measureLookups(network, 2000, random);
  assert.equal(after.correct, 2000);
  assert.equal(after.deadAttempts, 0);
  assert.ok(after.meanHops <= Math.ceil(Math.log(1800) / Math.log(16)) + 1);
});

test('small overlays (1 to 40 nodes, l = 16 and l = 4) deliver every key to the closest node', () => {
  for (const l of [4, 16]) {
    for (const nodes of [1, 2, 3, 5, 9, 17, 40]) {
      const network = buildNetwork(nodes, pastryConfig({ l }), nodes);
      const live = new LiveIndex(network.nodes);
      const random = seededRandom(nodes);
      for (let i = 0; i < 300; i++) {
        const source = network.nodes[i % nodes];
        assert.ok(source);
        const key = randomId(random);
        assert.equal(network.route(source, key).destination, live.closest(key), `N ${nodes} l ${l}`);
      }
    }
  }
});

test('other digit sizes route correctly too (b = 1, 3, 8)', () => {
  for (const b of [1, 3, 8]) {
    const report = simulate({ nodes: 300, lookups: 300, seed: b, config: { b } });
    assert.equal(report.lookups.correct, 300, `b ${b}`);
  }
});

test('the same seed gives the same figures', () => {
  const a = simulate({ nodes: 300, lookups: 300, seed: 5, fail: 0.1 });
  const b = simulate({ nodes: 300, lookups: 300, seed: 5, fail: 0.1 });
  assert.deepEqual({ ...a, buildMs: 0, failure: { ...a.failure, repairMs: 0 } }, { ...b, buildMs: 0, failure: { ...b.failure, repairMs: 0 } });
  const table = markdownReport([a]);
  assert.match(table, /\| 300 \| 4 \| 16 \| 32 \|/);
  assert.match(table, /after repair/);
  assert.match(hopsChart([a, simulate({ nodes: 600, lookups: 100, seed: 5 })]), /^<svg[^]*<\/svg>\n$/);
});

test('the plane index finds the true nearest point', () => {
  const random = seededRandom(9);
  const points = Array.from({ length: 500 }, () => ({ x: random(), y: random() }));
  const index = new PlaneIndex<{ x: number; y: number }>(points.length);
  for (const p of points) index.add(p);
  for (let i = 0; i < 200; i++) {
    const x = random();
    const y = random();
    const brute = points.reduce((best, p) => (Math.hypot(p.x - x, p.y - y) < Math.hypot(best.x - x, best.y - y) ? p : best));
    assert.equal(index.nearest(x, y), brute);
  }
});
