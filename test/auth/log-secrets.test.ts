/**
 * Ticket secrets never reach the router's logs: a router started as `thoth router`
 * starts it (config file with ticket principals, rate limit), logging at trace into
 * memory, sees successful and failed ticket logins over WebSocket and RawSocket
 * and a lockout; then no log line holds the secret, the wrong secrets tried, or
 * the configured hash.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, RemoteError, ticketAuth } from '../../src/client/index.js';
import { startRouter } from '../../src/cli/commands/router.js';
import { routerConfigSchema } from '../../src/cli/config.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import type { Router } from '../../src/router/index.js';
import { captureLogger } from '../agent/support.js';
import { testHash } from './helpers.js';

const secret = 'Correct-Horse-Battery-Staple-7Q';
const wrong = ['Wrong-Secret-Number-One-Zx', 'Wrong-Secret-Number-Two-Yw', 'Wrong-Secret-Number-Three-Xv'];

describe('ticket secrets and the router logs', { timeout: 30_000 }, () => {
  let router: Router;
  let dataDir: string;
  let hash: string;
  const capture = captureLogger('trace');
  let urls: string[];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'thoth-log-secrets-'));
    hash = await testHash(secret);
    const config = routerConfigSchema.parse({
      auth: {
        ticket: { principals: [{ authid: 'alice', role: 'user', secretHash: hash }] },
        roles: { user: { rules: [{ uri: 'app.', match: 'prefix', actions: ['call'], allow: true }] } },
        rateLimit: { maxFailures: 2, windowMs: 60_000 },
      },
    });
    router = await startRouter({ host: '127.0.0.1', port: 0, rawsocketPort: 0, dataDir }, capture.logger, config);
    urls = router.urls;
  });
  after(async () => {
    await router.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const open = (url: string, ticket: string, authid = 'alice') => connect({ url, authid, ...ticketAuth(ticket), reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500 });

  async function refused(url: string, ticket: string, authid?: string): Promise<RemoteError> {
    const error = await open(url, ticket, authid).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof RemoteError, `expected an ABORT, got ${String(error)}`);
    return error;
  }

  test('successful, failed, unknown-authid and locked-out ticket logins log no secret', async () => {
    for (const url of urls) {
      const alice = await open(url, secret);
      assert.equal(alice.details['authrole'], 'user');
      await alice.close();
    }
    const [first] = urls;
    assert.equal((await refused(first!, wrong[0]!)).uri, ErrorUri.authenticationFailed);
    assert.equal((await refused(first!, wrong[1]!, 'mallory')).uri, ErrorUri.authenticationFailed);
    // Out of allowance now (2 failures per minute): refused before any challenge, and the lockout is logged.
    assert.match((await refused(first!, wrong[2]!)).message, /too many failed authentication attempts/);

    // The capture works: the logins and refusals are there.
    await capture.waitFor((l) => l['msg'] === 'session joined' && l['authid'] === 'alice');
    await capture.waitFor((l) => l['msg'] === 'authentication refused');
    assert.ok(capture.lines.filter((l) => l['msg'] === 'session joined').length >= urls.length);

    const text = capture.lines.map((l) => JSON.stringify(l)).join('\n');
    for (const value of [secret, ...wrong, hash]) {
      for (const form of [value, Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64')]) {
        assert.equal(text.includes(form), false, `the router logged ${JSON.stringify(form)}`);
      }
    }
  });
});
