import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { authConfigSchema } from '../../src/router/auth/config.js';
import { parseSecretHash, verifySecret } from '../../src/router/auth/secrets.js';
import { ed25519PublicKeyHex, loadEd25519PrivateKey } from '../../src/client/auth.js';
import { clientAuth } from '../../src/cli/client-options.js';
import { CliError } from '../../src/cli/errors.js';
import { Router } from '../../src/router/index.js';
import { buildAuthenticators } from '../../src/router/auth/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { cliMainPath } from '../integration/support/paths.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function thoth(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMainPath(), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** The config line keygen prints, as the principal it describes. */
function principalFrom(stdout: string): Record<string, string> {
  const line = stdout.split('\n').find((l) => l.startsWith('- {'));
  assert.ok(line, stdout);
  const [principal] = parseYaml(line) as Record<string, string>[];
  return principal!;
}

describe('thoth keygen and the client auth flags', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-keygen-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('keygen ticket --stdin hashes the given secret into a config line that verifies', async () => {
    const run = await thoth(['keygen', 'ticket', '--authid', 'alice', '--role', 'admin', '--stdin'], 'my secret\n');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes('my secret'), 'the secret is not echoed');
    const principal = principalFrom(run.stdout);
    assert.equal(principal['authid'], 'alice');
    assert.equal(principal['role'], 'admin');
    assert.ok(authConfigSchema.safeParse({ ticket: { principals: [principal] } }).success);
    const hash = parseSecretHash(principal['secretHash']!);
    assert.ok(typeof hash !== 'string');
    assert.equal(await verifySecret('my secret', hash), true);
  });

  test('keygen ticket --out writes a new secret (0600) and refuses to overwrite it', async () => {
    const out = join(dir, 'alice.ticket');
    const run = await thoth(['keygen', 'ticket', '--authid', 'alice', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    const secret = (await readFile(out, 'utf8')).trim();
    assert.ok(secret.length >= 32);
    assert.ok(!run.stdout.includes(secret));
    const hash = parseSecretHash(principalFrom(run.stdout)['secretHash']!);
    assert.ok(typeof hash !== 'string' && (await verifySecret(secret, hash)));
    const again = await thoth(['keygen', 'ticket', '--authid', 'alice', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  test('keygen cryptosign writes a 0600 private key, the public key beside it, and prints the pubkey', async () => {
    const out = join(dir, 'laptop.key');
    const run = await thoth(['keygen', 'cryptosign', '--authid', 'laptop', '--role', 'device', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    const pubkey = ed25519PublicKeyHex(loadEd25519PrivateKey(await readFile(out, 'utf8')));
    assert.equal(run.stdout.split('\n')[0], pubkey);
    assert.equal((await readFile(`${out}.pub`, 'utf8')).trim(), pubkey);
    const principal = principalFrom(run.stdout);
    assert.deepEqual(principal, { authid: 'laptop', role: 'device', pubkey });
    assert.ok(authConfigSchema.safeParse({ cryptosign: { principals: [principal] } }).success);
  });

  test('thoth call with --authid and --key / --ticket-file joins with that identity; a wrong ticket is one clear line', async () => {
    const keyFile = join(dir, 'cli.key');
    const keyRun = await thoth(['keygen', 'cryptosign', '--authid', 'cli', '--out', keyFile]);
    const ticketRun = await thoth(['keygen', 'ticket', '--authid', 'bob', '--stdin'], 'bobs-ticket');
    const auth = authConfigSchema.parse({
      anonymous: false,
      ticket: { principals: [principalFrom(ticketRun.stdout)] },
      cryptosign: { principals: [principalFrom(keyRun.stdout)] },
    });
    const roles = { user: { rules: [{ uri: 'wamp.session.count', actions: ['call' as const], allow: true }] } };
    const router = new Router({ authenticators: buildAuthenticators(auth, { logger: silentLogger }), roles, shutdownTimeoutMs: 0 });
    try {
      const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: 0 } });
      const ticketFile = join(dir, 'bob.ticket');
      await writeFile(ticketFile, 'bobs-ticket\n');
      const byKey = await thoth(['call', 'wamp.session.count', '--url', url!, '--key', keyFile]);
      assert.equal(byKey.code, 0, byKey.stderr);
      assert.equal(byKey.stdout.trim(), '1');
      const byTicket = await thoth(['call', 'wamp.session.count', '--url', url!, '--authid', 'bob', '--ticket-file', ticketFile]);
      assert.equal(byTicket.code, 0, byTicket.stderr);
      await writeFile(ticketFile, 'not-it\n');
      const wrong = await thoth(['call', 'wamp.session.count', '--url', url!, '--authid', 'bob', '--ticket-file', ticketFile]);
      assert.equal(wrong.code, 1);
      assert.equal(wrong.stderr, `thoth: the router at ${url} refused the session: wamp.error.authentication_failed: authentication failed\n`);
    } finally {
      await router.close();
    }
  });

  test('clientAuth: a ticket file needs an authid; missing files are named', async () => {
    await assert.rejects(clientAuth({ ticketFile: join(dir, 'x') }), (e: unknown) => e instanceof CliError && /--authid/.test(e.message));
    await assert.rejects(clientAuth({ authid: 'a', ticketFile: join(dir, 'missing') }), (e: unknown) => e instanceof CliError && /missing: ENOENT/.test(e.message));
    await writeFile(join(dir, 'junk.key'), 'junk');
    await assert.rejects(clientAuth({ key: join(dir, 'junk.key') }), (e: unknown) => e instanceof CliError && /no usable key/.test(e.message));
    assert.deepEqual(await clientAuth({}), {});
  });
});
