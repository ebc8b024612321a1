import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, cryptosignAuth, RemoteError, ticketAuth, type Session } from '../../src/client/index.js';
import { startRouter } from '../../src/cli/commands/router.js';
import { routerConfigSchema } from '../../src/cli/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import type { Router } from '../../src/router/index.js';
import { newKeyPair, testHash, type KeyPair } from './helpers.js';

describe('ticket and cryptosign over real transports (router from config, 127.0.0.1 only)', () => {
  let router: Router;
  let dataDir: string;
  let laptop: KeyPair;
  let urls: { websocket: string; rawsocket: string };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'thoth-auth-'));
    laptop = newKeyPair();
    const config = routerConfigSchema.parse({
      auth: {
        ticket: { principals: [{ authid: 'alice', role: 'user', secretHash: await testHash('alice-secret') }] },
        cryptosign: { principals: [{ authid: 'laptop', role: 'device', pubkey: laptop.pubkey }] },
        roles: {
          user: { rules: [{ uri: 'laptop.', match: 'prefix', actions: ['call'], allow: true }] },
          device: { rules: [{ uri: 'laptop.', match: 'prefix', actions: ['register'], allow: true }] },
        },
      },
    });
    router = await startRouter({ host: '127.0.0.1', port: 0, rawsocketPort: 0, dataDir }, silentLogger, config);
    const websocket = router.urls.find((u) => u.startsWith('ws://'));
    const rawsocket = router.urls.find((u) => u.startsWith('tcp://'));
    assert.ok(websocket && rawsocket, `listening on ${router.urls.join(', ')}`);
    for (const url of router.urls) assert.match(url, /127\.0\.0\.1/);
    urls = { websocket, rawsocket };
  });
  after(async () => {
    await router.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const open = (url: string, options: object): Promise<Session> => connect({ url, reconnect: false, connectTimeoutMs: 5000, ...options });

  for (const transport of ['websocket', 'rawsocket'] as const) {
    test(`${transport}: ticket and cryptosign sessions get their roles, and can call`, async () => {
      const alice = await open(urls[transport], { ...ticketAuth('alice-secret'), authid: 'alice' });
      const device = await open(urls[transport], { ...cryptosignAuth(laptop.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()), authid: 'laptop' });
      try {
        assert.deepEqual([alice.details['authid'], alice.details['authrole'], alice.details['authmethod']], ['alice', 'user', 'ticket']);
        assert.deepEqual([device.details['authid'], device.details['authrole'], device.details['authmethod']], ['laptop', 'device', 'cryptosign']);
        await device.register('laptop.echo', (args) => args[0]);
        assert.equal((await alice.call('laptop.echo', ['hi'])).value, 'hi');
      } finally {
        await Promise.all([alice.close(), device.close()]);
      }
    });

    test(`${transport}: a wrong ticket and a wrong key are refused with authentication_failed`, async () => {
      await assert.rejects(open(urls[transport], { ...ticketAuth('nope'), authid: 'alice' }), (error: unknown) => {
        assert.ok(error instanceof RemoteError);
        assert.equal(error.uri, ErrorUri.authenticationFailed);
        return true;
      });
      await assert.rejects(open(urls[transport], { ...cryptosignAuth(newKeyPair().privateKey), authid: 'laptop' }), (error: unknown) => {
        assert.ok(error instanceof RemoteError);
        assert.equal(error.uri, ErrorUri.authenticationFailed);
        return true;
      });
    });
  }

  test('anonymous still works over loopback, as role local', async () => {
    const session = await open(urls.websocket, {});
    try {
      assert.equal(session.details['authrole'], 'local');
    } finally {
      await session.close();
    }
  });
});
