/** The soak's pass/fail checks (bench/soak.ts), on made-up results: the soak itself is not run here. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxRssGrowthMb, soakFailures } from '../../bench/soak.js';

const clean = { event: 'result', answered: 1000, lost: 0, duplicated: 0, misrouted: 0, errors: 0 };
const flat = [{ done: 0, rss: 70e6, heapUsed: 10e6 }, { done: 100, rss: 80e6, heapUsed: 12e6 }, { done: 1000, rss: 81e6, heapUsed: 11e6 }];

describe('soak checks', () => {
  test('a clean run with flat RSS after warm-up passes (the warm-up itself may grow)', () => {
    assert.deepEqual(soakFailures(clean, flat), []);
  });

  test('any lost, duplicated, misrouted or failed result fails, naming it', () => {
    for (const key of ['lost', 'duplicated', 'misrouted', 'errors'] as const) {
      const failures = soakFailures({ ...clean, [key]: 1 }, flat);
      assert.equal(failures.length, 1, `${key}: ${failures.join('; ')}`);
      assert.match(failures[0]!, key === 'errors' ? /^1 calls failed$/ : new RegExp(`^1 results ${key}$`));
    }
    assert.match(soakFailures({ event: 'result', lost: 0, duplicated: 0, misrouted: 0 }, flat).join(), /did not report errors/);
  });

  test(`RSS growth from after warm-up to the end over ${maxRssGrowthMb} MB fails`, () => {
    const grown = [...flat.slice(0, 2), { done: 1000, rss: 80e6 + (maxRssGrowthMb + 1) * 1e6, heapUsed: 11e6 }];
    assert.match(soakFailures(clean, grown).join(), new RegExp(`grew by ${maxRssGrowthMb + 1}\\.0 MB after warm-up, over the threshold of ${maxRssGrowthMb} MB`));
    const within = [...flat.slice(0, 2), { done: 1000, rss: 80e6 + maxRssGrowthMb * 1e6, heapUsed: 11e6 }];
    assert.deepEqual(soakFailures(clean, within), []);
  });
});
