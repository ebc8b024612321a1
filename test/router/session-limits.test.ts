import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, RemoteError, type Session } from '../../src/client/index.js';
import { routerConfigSchema } from '../../src/cli/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { Admission } from '../../src/router/admission.js';
import { ConnectionRateLimiter } from '../../src/router/connection-rate.js';
import { Router, RouterError, type RouterOptions } from '../../src/router/index.js';
import { FakeConnection } from './fake-connection.js';

async function startRouter(options: RouterOptions): Promise<{ router: Router; url: string }> {
  const router = new Router({ shutdownTimeoutMs: 500, ...options });
  const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: 0 } });
  assert.ok(url);
  return { router, url };
}

const open = (url: string): Promise<Session> => connect({ url, reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500 });

function abortedWith(uri: string, message: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.uri, uri);
    assert.match(error.message, message);
    return true;
  };
}

describe('limits.maxSessions', { timeout: 20_000 }, () => {
  let router: Router;
  let url: string;
  const sessions: Session[] = [];
  before(async () => ({ router, url } = await startRouter({ limits: { maxSessions: 3 } })));
  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await router.close();
  });

  test('the session past the limit gets ABORT too_many_sessions; the others keep working; once one leaves, a new one joins', async () => {
    const [callee, caller, third] = [await open(url), await open(url), await open(url)];
    sessions.push(callee, caller);
    await callee.register('app.echo', ([value]) => value);

    await assert.rejects(open(url), abortedWith(ErrorUri.tooManySessions, /maximum of 3 sessions \(limits\.maxSessions\)/));
    assert.equal(router.sessionCount, 3);
    assert.equal((await caller.call('app.echo', ['still here'])).value, 'still here');

    let leave!: () => void;
    const left = new Promise<void>((resolve) => (leave = resolve));
    await caller.subscribe('wamp.session.on_leave', () => leave());
    await third.close();
    await left;
    const fourth = await open(url);
    sessions.push(fourth);
    assert.equal((await fourth.call('app.echo', ['joined'])).value, 'joined');
  });
});

describe('limits.connectionRate', { timeout: 20_000 }, () => {
  test('a burst from one address past the rate is refused with ABORT too_many_connections; a session already open keeps working', async () => {
    const { router, url } = await startRouter({ limits: { connectionRate: { perAddress: 3, windowMs: 60_000, exemptLocal: false } } });
    const sessions: Session[] = [];
    try {
      for (let i = 0; i < 3; i++) sessions.push(await open(url));
      const [callee, caller] = sessions as [Session, Session];
      await callee.register('app.echo', ([value]) => value);
      const burst = await Promise.allSettled([open(url), open(url), open(url)]);
      for (const outcome of burst) {
        assert.equal(outcome.status, 'rejected');
        abortedWith(ErrorUri.tooManyConnections, /at most 3 per 60000 ms, limits\.connectionRate\); try again in \d+ s/)(outcome.reason);
      }
      assert.equal((await caller.call('app.echo', ['unaffected'])).value, 'unaffected');
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      await router.close();
    }
  });

  test('loopback is exempt by default, so local tools may connect in a loop', async () => {
    const { router, url } = await startRouter({ limits: { connectionRate: { perAddress: 1, windowMs: 60_000 } } });
    try {
      for (let i = 0; i < 3; i++) await (await open(url)).close();
    } finally {
      await router.close();
    }
  });

  test('counts per address: IPv4 by address, IPv6 by /64, each with its own allowance', () => {
    const admission = new Admission({ maxSessions: 100, connectionRate: { perAddress: 1, windowMs: 1000, exemptLocal: true } }, silentLogger, () => 0);
    const from = (remoteAddress: string) => admission.check(new FakeConnection({ isLocal: false, remoteAddress }), 0)?.reason;
    assert.equal(from('203.0.113.5:4000'), undefined);
    assert.equal(from('203.0.113.5:4001'), ErrorUri.tooManyConnections);
    assert.equal(from('203.0.113.6:4000'), undefined);
    assert.equal(from('[2001:db8:1:2::1]:4000'), undefined);
    assert.equal(from('[2001:db8:1:2::ffff]:4001'), ErrorUri.tooManyConnections);
    assert.equal(from('[2001:db8:1:3::1]:4000'), undefined);
  });

  test('tokens come back at perAddress per windowMs; the table forgets the least recently seen past its bound', () => {
    let now = 0;
    const limiter = new ConnectionRateLimiter({ perAddress: 2, windowMs: 1000, maxTracked: 2, now: () => now });
    assert.deepEqual([limiter.admit('a').allowed, limiter.admit('a').allowed], [true, true]);
    const refused = limiter.admit('a');
    assert.ok(!refused.allowed && refused.retryAfterMs === 500 && refused.firstRefusal);
    const again = limiter.admit('a');
    assert.ok(!again.allowed && !again.firstRefusal, 'a lockout is reported once');
    now = 500;
    assert.equal(limiter.admit('a').allowed, true);
    limiter.admit('b');
    limiter.admit('c');
    assert.equal(limiter.tracked, 2);
    now = 600;
    // 'a' was forgotten (least recently seen), so it starts with a full allowance.
    assert.deepEqual([limiter.admit('a').allowed, limiter.admit('a').allowed], [true, true]);
  });
});

describe('limits.maxRegistrations and limits.maxSubscriptions (per session)', { timeout: 20_000 }, () => {
  let router: Router;
  let url: string;
  const sessions: Session[] = [];
  before(async () => ({ router, url } = await startRouter({ limits: { maxRegistrations: 3, maxSubscriptions: 3 } })));
  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await router.close();
  });
  const session = async (): Promise<Session> => {
    const s = await open(url);
    sessions.push(s);
    return s;
  };
  const refusedWith = (uri: string, message: RegExp) => (error: unknown): boolean => {
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.uri, uri);
    assert.match(error.message, message);
    return true;
  };

  test('the REGISTER past the cap gets too_many_registrations naming the cap; that session and the others carry on', async () => {
    const [full, other, caller] = [await session(), await session(), await session()];
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await full.register(`app.full.${i}`, () => `full ${i}`));
    await assert.rejects(full.register('app.full.3', () => 'one too many'), refusedWith(ErrorUri.tooManyRegistrations, /maximum of 3 registrations \(limits\.maxRegistrations\)/));
    // The refused session keeps what it holds and keeps working.
    for (let i = 0; i < 3; i++) assert.equal((await caller.call(`app.full.${i}`)).value, `full ${i}`);
    await assert.rejects(caller.call('app.full.3'), refusedWith(ErrorUri.noSuchProcedure, /app\.full\.3/));
    // The cap is per session: another session registers its own three.
    for (let i = 0; i < 3; i++) await other.register(`app.other.${i}`, () => `other ${i}`);
    assert.equal((await caller.call('app.other.2')).value, 'other 2');
    // Letting one go frees a place.
    await held[0]!.unregister();
    await full.register('app.full.3', () => 'now it fits');
    assert.equal((await caller.call('app.full.3')).value, 'now it fits');
  });

  test('the SUBSCRIBE past the cap gets too_many_subscriptions naming the cap; that session and the others carry on', async () => {
    const [full, other, publisher] = [await session(), await session(), await session()];
    const event = (): { promise: Promise<unknown>; handler: (args: unknown[]) => void } => {
      let resolve!: (value: unknown) => void;
      const promise = new Promise((r) => (resolve = r));
      return { promise, handler: (args) => resolve(args[0]) };
    };
    const toFull = event();
    const toOther = event();
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await full.subscribe(`app.news.${i}`, i === 2 ? toFull.handler : () => undefined));
    await assert.rejects(full.subscribe('app.news.3', () => undefined), refusedWith(ErrorUri.tooManySubscriptions, /maximum of 3 subscriptions \(limits\.maxSubscriptions\)/));
    for (let i = 0; i < 3; i++) await other.subscribe(`app.news.${i}`, i === 2 ? toOther.handler : () => undefined);
    // Events still reach the refused session's subscriptions, and the other session's.
    await publisher.publish('app.news.2', ['still here'], undefined, { acknowledge: true });
    assert.deepEqual(await Promise.all([toFull.promise, toOther.promise]), ['still here', 'still here']);
    // Letting one go frees a place.
    await held[0]!.unsubscribe();
    await full.subscribe('app.news.3', () => undefined);
  });
});

describe('router limits options', () => {
  test('defaults: 10000 sessions, 20 connections per second per address, loopback exempt', () => {
    const { limits } = new Router().settings;
    assert.equal(limits.maxSessions, 10_000);
    assert.deepEqual(limits.connectionRate, { perAddress: 20, windowMs: 1000, exemptLocal: true });
  });

  test('bad values are refused naming the key, in the API and in the config file schema', () => {
    assert.throws(() => new Router({ limits: { maxSessions: 0 } }), (error: unknown) => error instanceof RouterError && /limits\.maxSessions/.test(error.message));
    assert.throws(() => new Router({ limits: { connectionRate: { perAddress: 5, window: 10 } as never } }), /limits\.connectionRate/);
    assert.equal(routerConfigSchema.safeParse({ limits: { connectionRate: false, maxSessions: 50 } }).success, true);
    const bad = routerConfigSchema.safeParse({ limits: { connectionRate: { perAddress: -1 } } });
    assert.ok(!bad.success && bad.error.issues.some((issue) => issue.path.join('.') === 'limits.connectionRate.perAddress'));
  });
});
