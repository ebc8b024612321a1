import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authConfigSchema, buildAuthenticators, mayListenOn } from '../../src/router/auth/config.js';
import { loadRouterConfig } from '../../src/cli/config.js';
import { startRouter } from '../../src/cli/commands/router.js';
import { CliError } from '../../src/cli/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import { formatZodError } from '../../src/common/zod-error.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { newRouter } from '../router/harness.js';
import { expectType, hello, newKeyPair, testHash } from './helpers.js';

describe('auth config', () => {
  let dir = '';
  let hash = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-auth-config-'));
    hash = await testHash('pw');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a YAML config with ticket and cryptosign principals loads', async () => {
    const { pubkey } = newKeyPair();
    const path = join(dir, 'router.yaml');
    await writeFile(path, `auth:\n  ticket:\n    principals:\n      - { authid: alice, role: user, secretHash: "${hash}" }\n  cryptosign:\n    principals:\n      - { authid: laptop, role: device, pubkey: ${pubkey} }\n  rateLimit: { maxFailures: 3 }\n`);
    const config = await loadRouterConfig(path);
    assert.equal(config.auth?.ticket?.principals[0]?.secretHash, hash);
    assert.equal(config.auth?.cryptosign?.principals[0]?.pubkey, pubkey);
    assert.deepEqual(buildAuthenticators(config.auth, { logger: silentLogger }).map((a) => a.method), ['ticket', 'cryptosign', 'anonymous']);
  });

  for (const [name, auth, pattern] of [
    ['a plain secret', { ticket: { principals: [{ authid: 'a', role: 'r', secretHash: 'hunter2' }] } }, /ticket\.principals\.0\.secretHash: must look like scrypt/],
    ['a field named secret', { ticket: { principals: [{ authid: 'a', role: 'r', secret: 'hunter2' }] } }, /secret/],
    ['a short pubkey', { cryptosign: { principals: [{ authid: 'a', role: 'r', pubkey: 'abcd' }] } }, /cryptosign\.principals\.0\.pubkey: must be the 32-byte Ed25519 public key/],
    ['a missing role', { cryptosign: { principals: [{ authid: 'a', pubkey: 'ab'.repeat(32) }] } }, /role/],
    ['an unknown key', { tickets: {} }, /tickets/],
    ['nobody can join', { anonymous: false, pairing: false }, /anonymous: false and pairing: false/],
  ] as const) {
    test(`refused: ${name}`, () => {
      const parsed = authConfigSchema.safeParse(auth);
      assert.equal(parsed.success, false);
      assert.match(formatZodError(parsed.error!), pattern);
    });
  }

  test('refused: duplicate authids (ticket) and duplicate keys (cryptosign)', () => {
    const ticket = authConfigSchema.safeParse({ ticket: { principals: [{ authid: 'a', role: 'r', secretHash: hash }, { authid: 'a', role: 's', secretHash: hash }] } });
    assert.match(formatZodError(ticket.error!), /principals\.1: authid a is listed twice/);
    const key = 'ab'.repeat(32);
    const crypto = authConfigSchema.safeParse({ cryptosign: { principals: [{ authid: 'a', role: 'r', pubkey: key }, { authid: 'b', role: 'r', pubkey: key.toUpperCase() }] } });
    assert.match(formatZodError(crypto.error!), /listed twice/);
  });

  test('anonymous: false leaves anonymous out', () => {
    const auth = authConfigSchema.parse({ anonymous: false, cryptosign: { principals: [{ authid: 'a', role: 'r', pubkey: newKeyPair().pubkey }] } });
    assert.deepEqual(buildAuthenticators(auth, { logger: silentLogger }).map((a) => a.method), ['cryptosign']);
    assert.deepEqual(buildAuthenticators(undefined, { logger: silentLogger }).map((a) => a.method), ['anonymous']);
  });

  test('the listen decision: loopback always, other addresses only with ticket, cryptosign or pairing set explicitly', () => {
    const ticket = authConfigSchema.parse({ ticket: { principals: [{ authid: 'a', role: 'r', secretHash: hash }] } });
    const cryptosign = authConfigSchema.parse({ cryptosign: { principals: [{ authid: 'a', role: 'r', pubkey: newKeyPair().pubkey }] } });
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      assert.equal(mayListenOn(host, undefined), true, host);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.org']) {
      assert.equal(mayListenOn(host, undefined), false, host);
      assert.equal(mayListenOn(host, { anonymous: true }), false, host);
      assert.equal(mayListenOn(host, { rateLimit: { maxFailures: 1 } }), false, host);
      assert.equal(mayListenOn(host, ticket), true, host);
      assert.equal(mayListenOn(host, cryptosign), true, host);
      assert.equal(mayListenOn(host, { pairing: true }), true, host);
      assert.equal(mayListenOn(host, { pairing: false }), false, host);
    }
  });

  test('pairing (on unless pairing: false) adds cryptosign for device keys', () => {
    const devices = { admit: () => ({ kind: 'reject', reason: 'x', message: 'x' }) as const };
    assert.deepEqual(buildAuthenticators(undefined, { logger: silentLogger, devices }).map((a) => a.method), ['cryptosign', 'anonymous']);
    assert.deepEqual(buildAuthenticators({ pairing: false }, { logger: silentLogger, devices }).map((a) => a.method), ['anonymous']);
  });

  test('with ticket configured, anonymous is still refused from a non-loopback address and allowed on loopback', async () => {
    const auth = authConfigSchema.parse({ ticket: { principals: [{ authid: 'a', role: 'r', secretHash: hash }] } });
    const router = newRouter({ authenticators: buildAuthenticators(auth, { logger: silentLogger }) });
    try {
      const remote = await hello(router, {});
      assert.equal(expectType(remote.reply, 'ABORT').reason, ErrorUri.notAuthorized);
      const local = await hello(router, {}, { remoteAddress: '127.0.0.1:9', isLocal: true });
      assert.equal(expectType(local.reply, 'WELCOME').details['authrole'], 'local');
    } finally {
      await router.close();
    }
  });

  test('startRouter refuses a non-loopback host without auth, naming the config keys (nothing is bound)', async () => {
    for (const host of ['0.0.0.0', '::']) {
      await assert.rejects(startRouter({ host, port: 0, rawsocketPort: 0, dataDir: dir }, silentLogger, {}), (error: unknown) => {
        assert.ok(error instanceof CliError);
        assert.match(error.message, new RegExp(`refusing to listen on ${host.replace(/[.:]/g, '\\$&')}`));
        assert.match(error.message, /auth\.ticket\.principals/);
        assert.match(error.message, /auth\.cryptosign\.principals/);
        assert.match(error.message, /thoth keygen/);
        return true;
      });
    }
  });
});
