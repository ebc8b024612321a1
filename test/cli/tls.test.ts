import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type Session } from '../../src/client/index.js';
import { startRouter } from '../../src/cli/commands/router.js';
import { loadRouterConfig, routerConfigSchema, type RouterConfig } from '../../src/cli/config.js';
import { CliError } from '../../src/cli/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Router } from '../../src/router/index.js';
import { runCli } from '../integration/support/cli.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';

describe('TLS in the router config and the CLI client flags', { timeout: 60_000 }, () => {
  let certs: TestCerts;
  let dataDir: string;
  before(async () => {
    certs = await makeTestCerts();
    dataDir = await mkdtemp(join(tmpdir(), 'thoth-cli-tls-'));
  });
  after(async () => {
    await certs.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (config: RouterConfig, registryDir = dataDir): Promise<Router> =>
    startRouter({ host: '127.0.0.1', port: 0, rawsocketPort: 0, dataDir: registryDir }, silentLogger, config);
  const tlsConfig = (cert: string, key: string): RouterConfig => routerConfigSchema.parse({ websocket: { tls: { cert, key } }, rawsocket: { tls: { cert, key } } });

  test('websocket.tls and rawsocket.tls in a config file make wss:// and tls:// listeners', async () => {
    const file = join(certs.dir, 'router.yaml');
    await writeFile(file, `websocket: { tls: { cert: ${certs.selfSigned.certFile}, key: ${certs.selfSigned.keyFile} } }\nrawsocket: false\n`);
    const router = await start(await loadRouterConfig(file));
    try {
      assert.deepEqual(router.endpoints.map((e) => [e.url.split(':')[0], e.tlsFingerprint]), [['wss', certs.selfSigned.fingerprint]]);
    } finally {
      await router.close();
    }
  });

  test('an unreadable file, a file that is no certificate, and a key of another certificate stop the start, naming the files', async () => {
    const missing = join(certs.dir, 'missing.pem');
    await assert.rejects(start(tlsConfig(missing, certs.selfSigned.keyFile)), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.match(error.message, new RegExp(`websocket\\.tls\\.cert: cannot read ${missing}: ENOENT`));
      return true;
    });
    await assert.rejects(start(tlsConfig(certs.selfSigned.keyFile, certs.selfSigned.keyFile)), new RegExp(`websocket\\.tls\\.cert: ${certs.selfSigned.keyFile} is not a PEM certificate`));
    await assert.rejects(
      start(tlsConfig(certs.selfSigned.certFile, certs.other.keyFile)),
      new RegExp(`websocket\\.tls: the key file ${certs.other.keyFile} does not match the certificate file ${certs.selfSigned.certFile}`),
    );
    assert.equal(routerConfigSchema.safeParse({ rawsocket: { tls: { cert: 'a.pem' } } }).success, false);
    assert.equal(routerConfigSchema.safeParse({ rawsocket: { tls: { cert: 'a.pem', key: 'a.key', ca: 'x' } } }).success, false);
  });

  describe('thoth call with --tls-fingerprint and --tls-ca', () => {
    let router: Router;
    let callee: Session;
    let urls: { wss: string; tls: string };
    before(async () => {
      router = await start(tlsConfig(certs.selfSigned.certFile, certs.selfSigned.keyFile));
      urls = { wss: router.urls.find((u) => u.startsWith('wss:'))!, tls: router.urls.find((u) => u.startsWith('tls:'))! };
      callee = await connect({ url: urls.tls, reconnect: false, tls: { fingerprint: certs.selfSigned.fingerprint } });
      await callee.register('test.echo', ([value]) => value);
    });
    after(async () => {
      await callee.close();
      await router.close();
    });

    test('a pinned call over wss:// and over tls:// prints the result', async () => {
      for (const url of [urls.wss, urls.tls]) {
        const run = await runCli(['call', 'test.echo', 'hello', '--url', url, '--tls-fingerprint', certs.selfSigned.fingerprint]);
        assert.equal(run.status.code, 0, run.stderr.join('\n'));
        assert.deepEqual(run.stdout, ['"hello"']);
      }
    });

    test('a wrong pin, or no pin for a self-signed router, fails in one line saying why', async () => {
      const wrong = await runCli(['call', 'test.echo', 'x', '--url', urls.wss, '--tls-fingerprint', certs.other.fingerprint]);
      assert.notEqual(wrong.status.code, 0);
      assert.match(wrong.stderr.join('\n'), new RegExp(`expected ${certs.other.fingerprint}, got ${certs.selfSigned.fingerprint}`));
      const unpinned = await runCli(['call', 'test.echo', 'x', '--url', urls.tls]);
      assert.notEqual(unpinned.status.code, 0);
      assert.match(unpinned.stderr.join('\n'), /self-signed/);
      const plain = await runCli(['call', 'test.echo', 'x', '--url', 'ws://127.0.0.1:1/ws', '--tls-ca', certs.caFile]);
      assert.notEqual(plain.status.code, 0);
      assert.match(plain.stderr.join('\n'), /--tls-fingerprint and --tls-ca .* are for wss:\/\/ and tls:\/\/ URLs/);
    });

    test('--tls-ca trusts a router whose certificate that CA issued', async () => {
      const issued = await start(tlsConfig(certs.issued.certFile, certs.issued.keyFile), join(dataDir, 'issued'));
      try {
        const url = issued.urls.find((u) => u.startsWith('wss:'))!;
        const run = await runCli(['call', 'wamp.session.count', '--url', url, '--tls-ca', certs.caFile]);
        assert.equal(run.status.code, 0, run.stderr.join('\n'));
        assert.match(run.stdout.join('\n'), /^\d+$/);
      } finally {
        await issued.close();
      }
    });
  });
});
