import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asAbError, openAutobahn, type AutobahnClient, type Dict, type SerializerName } from './interop/autobahn.js';
import { startRouter, type RunningRouter } from './interop/router.js';
import { Inbox } from './interop/waiting.js';
import { openWampy, type WampyClient } from './interop/wampy.js';

const serializers: SerializerName[] = ['json', 'msgpack'];

for (const serializer of serializers) {
  // A router of its own: the session count below is exact.
  describe(`the session meta API from autobahn-js (${serializer})`, { timeout: 10_000 }, () => {
    let running: RunningRouter;
    let watcher: AutobahnClient;
    const others: (AutobahnClient | WampyClient)[] = [];
    before(async () => {
      running = await startRouter();
      watcher = await openAutobahn({ url: running.wsUrl, serializer });
    });
    after(async () => {
      await Promise.allSettled([watcher?.close(), ...others.map((c) => c.close())]);
      await running.close();
    });

    test('wamp.session.count counts the sessions of the realm', async () => {
      assert.equal(await watcher.session.call('wamp.session.count'), 1);
      others.push(await openWampy({ url: running.wsUrl, serializer }));
      assert.equal(await watcher.session.call('wamp.session.count'), 2);
    });

    test('wamp.session.on_join tells who joined, with an id the meta API can look up', async () => {
      const joins = new Inbox<Dict>();
      await watcher.session.subscribe('wamp.session.on_join', (args) => joins.push(args[0] as Dict));
      const newcomer = await openWampy({ url: running.wsUrl, serializer: serializer === 'json' ? 'msgpack' : 'json' });
      others.push(newcomer);

      const [joined] = await joins.take(1);
      assert.equal(joined?.['session'], newcomer.sessionId);
      assert.equal(typeof joined?.['authid'], 'string');
      assert.equal(typeof joined?.['authrole'], 'string');

      const fetched = (await watcher.session.call('wamp.session.get', [newcomer.sessionId])) as Dict;
      assert.equal(fetched['session'], newcomer.sessionId);
      assert.deepEqual(await watcher.session.call('wamp.session.count'), others.length + 1);
    });

    test('wamp.session.on_leave names the session that left', async () => {
      const leaves = new Inbox<unknown[]>();
      await watcher.session.subscribe('wamp.session.on_leave', (args) => leaves.push(args));
      const visitor = await openAutobahn({ url: running.wsUrl, serializer });
      const visitorId = visitor.session.id; // autobahn forgets it on close
      await visitor.close();
      const [left] = await leaves.take(1);
      assert.equal(left?.[0], visitorId);
    });

    test('wamp.session.get of an unknown id is wamp.error.no_such_session', async () => {
      const error = await watcher.session.call('wamp.session.get', [12345]).then(() => assert.fail('should fail'), asAbError);
      assert.equal(error.error, 'wamp.error.no_such_session');
    });

    test('a foreign client may not register in the reserved wamp. namespace', async () => {
      const error = await watcher.session.register('wamp.session.count', () => 0).then(() => assert.fail('should fail'), asAbError);
      assert.equal(error.error, 'wamp.error.invalid_uri');
    });
  });
}
