/*
 * Session and publication ids are random in 1..2^53, so nearly all of them need
 * more than 32 bits. MessagePack must carry them as 64-bit integers, and sessions
 * holding them must work like any other. Each test opens three sessions: the
 * chance that none gets an id past 2^32 is 2^-63.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openAutobahn, type AbEvent, type AutobahnClient, type Dict } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { Inbox } from './interop/waiting.js';
import { openWampy, type WampyClient } from './interop/wampy.js';

const PAST_32_BITS = 2 ** 32;

describe('ids past 2^32 over MessagePack', { timeout: 10_000 }, () => {
  let running: RunningRouter;
  before(async () => {
    running = await startRouter();
  });
  after(() => running.close());

  function assertKnownIds(ids: number[]): void {
    for (const id of ids) {
      assert.ok(Number.isSafeInteger(id) && id >= 1 && id <= 2 ** 53, `id ${id} is an integer in 1..2^53`);
      assert.ok(running.router.realm('thoth')?.sessions.has(id), `the router knows session ${id}`);
    }
    assert.ok(ids.some((id) => id > PAST_32_BITS), `at least one of ${ids.join(', ')} is past 2^32`);
  }

  test('autobahn-js sessions call, are called, publish, are excluded and look themselves up', async (t) => {
    const open = async (): Promise<AutobahnClient> => {
      const client = await openAutobahn({ url: running.wsUrl, serializer: 'msgpack' });
      t.after(() => client.close());
      return client;
    };
    const sessions = [await open(), await open(), await open()] as const;
    const [a, b, c] = sessions;
    assertKnownIds(sessions.map((s) => s.session.id));

    await a.session.register('com.example.ab.whoami', (_args, _kwargs, details) => details.caller);
    for (const s of sessions) {
      assert.equal(await s.session.call('com.example.ab.whoami', [], undefined, { disclose_me: true }), s.session.id);
      const summary = (await s.session.call('wamp.session.get', [s.session.id])) as Dict;
      assert.equal(summary['session'], s.session.id);
    }

    const events = new Inbox<{ args: unknown[]; details: AbEvent }>();
    await b.session.subscribe('com.example.ab.ids', (args, _kwargs, details) => events.push({ args, details }));
    await c.session.publish('com.example.ab.ids', ['excluded'], undefined, { acknowledge: true, exclude: [b.session.id] });
    const published = await c.session.publish('com.example.ab.ids', ['delivered'], undefined, { acknowledge: true });
    const [event] = await events.take(1);
    assert.deepEqual(event?.args, ['delivered']);
    assert.equal(event?.details.publication, published?.id);
  });

  test('wampy sessions call, are called, publish, are excluded and look themselves up', async (t) => {
    const open = async (): Promise<WampyClient> => {
      const client = await openWampy({ url: running.wsUrl, serializer: 'msgpack' });
      t.after(() => client.close());
      return client;
    };
    const sessions = [await open(), await open(), await open()] as const;
    const [a, b, c] = sessions;
    assertKnownIds(sessions.map((s) => s.sessionId));
    for (const s of sessions) {
      // msgpackr (wampy's decoder) reads 64-bit integers as BigInt and floats as numbers:
      // a BigInt here shows the router sent the id as a MessagePack integer.
      if (s.sessionId > PAST_32_BITS) assert.equal(typeof s.rawSessionId, 'bigint', `session ${s.sessionId} arrived as a 64-bit integer`);
    }

    await a.wampy.register('com.example.wa.whoami', ({ details }) => ({ argsList: [details['caller']] }));
    for (const s of sessions) {
      const mine = await s.wampy.call('com.example.wa.whoami', [], { disclose_me: true });
      assert.equal(Number(mine.argsList?.[0]), s.sessionId);
      // The id goes back exactly as wampy holds it (a BigInt is sent as a 64-bit integer).
      const summary = await s.wampy.call('wamp.session.get', { argsList: [s.rawSessionId] });
      assert.equal(Number((summary.argsList?.[0] as Dict)['session']), s.sessionId);
    }

    const events = new Inbox<unknown[] | undefined>();
    await b.wampy.subscribe('com.example.wa.ids', ({ argsList }) => events.push(argsList));
    // wampy's types want numbers here; it passes the BigInt through, as a 64-bit integer.
    await c.wampy.publish('com.example.wa.ids', ['excluded'], { exclude: [b.rawSessionId as unknown as number] });
    const published = await c.wampy.publish('com.example.wa.ids', ['delivered']);
    assert.deepEqual(await events.take(1), [['delivered']]);
    assert.ok(Number.isSafeInteger(Number(published.publicationId)) && Number(published.publicationId) >= 1);
  });
});
