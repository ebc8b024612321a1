import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AuthRateLimiter } from '../../src/router/auth/rate-limit.js';
import { addressKey } from '../../src/router/auth/address-key.js';
import { buildAuthenticators } from '../../src/router/auth/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { newRouter } from '../router/harness.js';
import { answer, expectType, hello, testHash } from './helpers.js';

class ManualClock {
  time = 1_000_000;
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } as unknown as NodeJS.WritableStream;
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('authentication rate limiter', () => {
  test('five attempts pass, the sixth waits one refill interval (window / maxFailures)', () => {
    const clock = new ManualClock();
    const limiter = new AuthRateLimiter({ maxFailures: 5, windowMs: 60_000, now: clock.now });
    for (let i = 0; i < 5; i++) assert.deepEqual(limiter.admit('a'), { allowed: true });
    assert.deepEqual(limiter.admit('a'), { allowed: false, retryAfterMs: 12_000, firstRefusal: true });
    clock.advance(11_999);
    assert.equal(limiter.admit('a').allowed, false);
    clock.advance(1);
    assert.deepEqual(limiter.admit('a'), { allowed: true });
    assert.equal(limiter.admit('a').allowed, false);
    assert.deepEqual(limiter.admit('b'), { allowed: true }, 'other addresses are unaffected');
    clock.advance(60_000);
    for (let i = 0; i < 5; i++) assert.equal(limiter.admit('a').allowed, true, 'a full window gives the whole allowance back');
    assert.equal(limiter.admit('a').allowed, false, 'and no more than it');
  });

  test('a success gives its token back, so successful logins never lock anyone out', () => {
    const clock = new ManualClock();
    const limiter = new AuthRateLimiter({ now: clock.now });
    for (let i = 0; i < 50; i++) {
      assert.equal(limiter.admit('a').allowed, true);
      limiter.succeeded('a');
    }
    assert.equal(limiter.tracked, 0, 'an address with its full allowance is forgotten');
  });

  test('the table of addresses stays bounded', () => {
    const limiter = new AuthRateLimiter({ maxTracked: 3, now: new ManualClock().now });
    for (let i = 0; i < 10; i++) limiter.admit(`10.0.0.${i}`);
    assert.equal(limiter.tracked, 3);
  });

  test('options are checked', () => {
    assert.throws(() => new AuthRateLimiter({ maxFailures: 0 }), /maxFailures/);
    assert.throws(() => new AuthRateLimiter({ windowMs: 1.5 }), /windowMs/);
  });

  test('addresses are keyed by host (IPv4, IPv4-mapped) and IPv6 /64', () => {
    assert.equal(addressKey('203.0.113.7:40000'), '203.0.113.7');
    assert.equal(addressKey('[::ffff:203.0.113.7]:1'), '203.0.113.7');
    assert.equal(addressKey('[2001:db8:0:1::5]:443'), '2001:db8:0:1::/64');
    assert.equal(addressKey('[2001:db8:0:1:aaaa:bbbb:cccc:dddd]:443'), '2001:db8:0:1::/64');
    assert.equal(addressKey('[::1]:80'), '0:0:0:0::/64');
    assert.equal(addressKey('unix'), 'unix');
  });
});

describe('rate limiting through the router', () => {
  test('after 5 failures within a minute, the address is refused (even with the right secret) and logged once; it recovers with time', async () => {
    const clock = new ManualClock();
    const { logger, lines } = capturedLogger();
    const auth = { ticket: { principals: [{ authid: 'alice', role: 'user', secretHash: await testHash('right') }] } };
    const router = newRouter({ authenticators: buildAuthenticators(auth, { logger, now: clock.now }) });
    try {
      const attempt = async (secret: string, remoteAddress = '203.0.113.7:40000') => {
        const { connection, reply } = await hello(router, { authmethods: ['ticket'], authid: 'alice' }, { remoteAddress });
        if (reply.type !== 'CHALLENGE') return reply;
        return answer(connection, secret);
      };
      for (let i = 0; i < 5; i++) {
        assert.equal(expectType(await attempt('wrong', `203.0.113.7:${40000 + i}`), 'ABORT').details['message'], 'authentication failed');
      }
      for (const secret of ['wrong', 'right']) {
        const refused = expectType(await attempt(secret), 'ABORT');
        assert.equal(refused.reason, ErrorUri.authenticationFailed);
        assert.equal(refused.details['message'], 'too many failed authentication attempts from this address; try again in 12 s');
      }
      const warnings = lines.filter((l) => l['msg'] === 'too many failed authentications from this address; refusing for now');
      assert.equal(warnings.length, 1, 'logged once per lockout');
      assert.equal(warnings[0]!['address'], '203.0.113.7');

      expectType(await attempt('right', '198.51.100.9:1'), 'WELCOME');
      clock.advance(12_000);
      expectType(await attempt('right'), 'WELCOME');
    } finally {
      await router.close();
    }
  });

  test('parallel handshakes from one address count before they finish', async () => {
    const clock = new ManualClock();
    const auth = { ticket: { principals: [{ authid: 'alice', role: 'user', secretHash: await testHash('right') }] } };
    const router = newRouter({ authenticators: buildAuthenticators(auth, { logger: createLogger({ level: 'silent' }), now: clock.now }) });
    try {
      const replies = await Promise.all(Array.from({ length: 7 }, () => hello(router, { authmethods: ['ticket'], authid: 'alice' })));
      assert.deepEqual(replies.map((r) => r.reply.type), ['CHALLENGE', 'CHALLENGE', 'CHALLENGE', 'CHALLENGE', 'CHALLENGE', 'ABORT', 'ABORT']);
    } finally {
      await router.close();
    }
  });

  test('loopback anonymous is not rate limited by failed tickets', async () => {
    const clock = new ManualClock();
    const auth = { ticket: { principals: [{ authid: 'alice', role: 'user', secretHash: await testHash('right') }] } };
    const router = newRouter({ authenticators: buildAuthenticators(auth, { logger: createLogger({ level: 'silent' }), now: clock.now }) });
    try {
      for (let i = 0; i < 6; i++) await hello(router, { authmethods: ['ticket'], authid: 'alice' }, { remoteAddress: '127.0.0.1:1', isLocal: true });
      const { reply } = await hello(router, {}, { remoteAddress: '127.0.0.1:2', isLocal: true });
      assert.equal(expectType(reply, 'WELCOME').details['authrole'], 'local');
    } finally {
      await router.close();
    }
  });
});
