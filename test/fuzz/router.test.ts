/**
 * Property-based fuzzing of a real Router over real RawSocket and WebSocket
 * connections on 127.0.0.1 (the generators and checks live in fuzz/, shared with
 * the long `npm run fuzz`): random bytes after the handshake, mutated valid frames,
 * well-formed messages in states where they are not allowed, and RawSocket opening
 * octets. For every case: no uncaught exception in this process, the bad session
 * ends with a reason (ABORT with a URI and message, a WebSocket close code, or a
 * close code the router logged), the router keeps no session behind, and two
 * bystander sessions opened before still complete a call round trip.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { runCase } from '../../fuzz/cases.js';
import { arbitraries, fuzzKinds, type FuzzKind } from '../../fuzz/generators.js';
import { FuzzTarget } from '../../fuzz/target.js';

/** Small enough that the whole file runs in a few seconds; `npm run fuzz` runs the same for minutes. */
const numRuns: Record<FuzzKind, number> = { 'random-bytes': 100, 'mutated-frames': 100, 'invalid-state': 100, handshake: 100 };

describe('fuzzing a router over real sockets', { timeout: 120_000 }, () => {
  let target: FuzzTarget;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(error);
  };

  before(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    target = await FuzzTarget.start();
  });

  after(async () => {
    await target?.close();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  afterEach(() => {
    assert.deepEqual(uncaught, [], 'an uncaught exception or unhandled rejection happened during the case');
  });

  for (const kind of fuzzKinds) {
    test(`${kind}: every bad session ends with a reason, the router never throws, the bystanders keep working`, async () => {
      const endings = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(arbitraries[kind], async (fuzzCase) => {
          const outcome = await runCase(target, fuzzCase);
          endings.set(outcome.ending, (endings.get(outcome.ending) ?? 0) + 1);
          assert.deepEqual(uncaught, []);
        }),
        { numRuns: numRuns[kind] },
      );
      assert.ok(endings.size > 0);
    });
  }

  test('the router holds only the bystander sessions at the end', async () => {
    await target.settled();
    assert.equal(target.router.sessionCount, 2);
    await target.checkBystander();
  });
});
