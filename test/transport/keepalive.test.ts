import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Keepalive } from '../../src/transport/keepalive.js';

describe('Keepalive', () => {
  it('pings every interval, stays quiet while PONGs come back, times out on the first missing one', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const pings: Buffer[] = [];
      const timeouts: string[] = [];
      const keepalive = new Keepalive(100, (p) => pings.push(p), (r) => timeouts.push(r));
      mock.timers.tick(100);
      assert.equal(pings.length, 1);
      keepalive.pong(Buffer.from('not the payload'));
      keepalive.pong(pings[0]!);
      mock.timers.tick(100);
      assert.equal(pings.length, 2);
      assert.notDeepEqual(pings[1], pings[0]);
      keepalive.pong(pings[1]!);
      mock.timers.tick(100);
      assert.equal(pings.length, 3);
      assert.deepEqual(timeouts, []);
      mock.timers.tick(100); // the third PING was never answered
      assert.equal(timeouts.length, 1);
      assert.match(timeouts[0]!, /no PONG within 100 ms/);
      mock.timers.tick(1000);
      assert.equal(pings.length, 3);
      assert.equal(timeouts.length, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('stops', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const pings: Buffer[] = [];
      const keepalive = new Keepalive(10, (p) => pings.push(p), () => assert.fail('timed out'));
      keepalive.stop();
      mock.timers.tick(100);
      assert.deepEqual(pings, []);
    } finally {
      mock.timers.reset();
    }
  });
});
