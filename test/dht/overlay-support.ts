import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import { closest, type Id } from '../../src/dht/ids.js';

/** Polls `condition` every 25 ms, at most `attempts` times; fails naming `what` when it never holds. */
export async function eventually(what: string, condition: () => boolean, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return;
    await wait(25);
  }
  assert.fail(`timed out waiting for: ${what}`);
}

/** The k members numerically closest to `key`, closest first. */
export function kClosest<M extends { readonly node: { readonly id: Id } }>(key: Id, live: readonly M[], k: number): M[] {
  const rest = [...live];
  const picked: M[] = [];
  while (picked.length < k && rest.length > 0) {
    const best = closest(key, rest.map((member) => ({ id: member.node.id, member })))!.member;
    picked.push(best);
    rest.splice(rest.indexOf(best), 1);
  }
  return picked;
}
