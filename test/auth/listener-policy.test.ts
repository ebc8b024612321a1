/**
 * Listener policy: browser pages may not open the router's WebSocket unless their
 * origin is allowed (cross-site WebSocket hijacking of the owner's loopback router),
 * and anonymous sessions (role local) are admitted only on listeners bound to
 * loopback, not on a 0.0.0.0 listener reached from 127.0.0.1. Real routers, port 0.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { connect, RemoteError, ticketAuth, type ConnectOptions } from '../../src/client/index.js';
import { startRouter as startCliRouter } from '../../src/cli/commands/router.js';
import { routerConfigSchema } from '../../src/cli/config.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { TicketAuthenticator } from '../../src/router/auth/ticket.js';
import { anonymousAuthenticator, Router, RouterError } from '../../src/router/index.js';
import { listenWebSocket, TransportError } from '../../src/transport/index.js';
import { captureLogger } from '../agent/support.js';
import { testHash } from './helpers.js';

const routers: Router[] = [];
after(() => Promise.all(routers.map((r) => r.close())));

const open = (url: string, options: Partial<ConnectOptions> = {}) => connect({ url, reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500, ...options });

/** A bare WebSocket upgrade with this Origin header: 'open' (then a HELLO is answered with WELCOME) or the HTTP refusal. */
async function upgrade(url: string, origin: string | undefined): Promise<{ opened: true; authrole: unknown } | { opened: false; status: number; body: string }> {
  const ws = new WebSocket(url, ['wamp.2.json'], origin === undefined ? {} : { origin });
  const outcome = await new Promise<{ opened: true } | { opened: false; response: IncomingMessage } | Error>((resolve) => {
    ws.once('open', () => resolve({ opened: true }));
    ws.once('unexpected-response', (_request, response: IncomingMessage) => resolve({ opened: false, response }));
    ws.once('error', (error) => resolve(error));
  });
  if (outcome instanceof Error) throw outcome;
  if (!outcome.opened) {
    let body = '';
    outcome.response.setEncoding('utf8');
    outcome.response.on('data', (chunk: string) => (body += chunk));
    await once(outcome.response, 'end');
    ws.terminate();
    return { opened: false, status: outcome.response.statusCode ?? 0, body };
  }
  ws.send(JSON.stringify([1, 'thoth', { roles: { caller: {} } }]));
  const [data] = (await once(ws, 'message')) as [Buffer];
  const welcome = JSON.parse(data.toString()) as [number, number, Record<string, unknown>];
  assert.equal(welcome[0], 2, `expected WELCOME, got ${data.toString()}`);
  ws.close();
  return { opened: true, authrole: welcome[2]['authrole'] };
}

describe('WebSocket upgrades from browser pages (Origin)', { timeout: 20_000 }, () => {
  test('an upgrade with Origin http://evil.example is refused with 403 and a logged reason; a Node client (no Origin) joins', async () => {
    const { logger, waitFor } = captureLogger('info');
    const router = new Router({ logger, shutdownTimeoutMs: 500 });
    routers.push(router);
    const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: 0 } });
    assert.ok(url);

    const refused = await upgrade(url, 'http://evil.example');
    assert.deepEqual(refused.opened, false);
    assert.ok(!refused.opened);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /browser origin "http:\/\/evil\.example" is not allowed to connect .*websocket\.allowedOrigins/);
    const line = await waitFor((l) => l['msg'] === 'websocket upgrade refused: browser origin not allowed');
    assert.equal(line['level'], 40, 'logged at warn');
    assert.match(String(line['reason']), /http:\/\/evil\.example/);
    assert.match(String(line['peer']), /^127\.0\.0\.1:/);
    assert.equal(router.sessionCount, 0, 'nothing reached the router');

    // Even an origin on the router's own host: a page served from 127.0.0.1 is still a web page.
    assert.equal((await upgrade(url, new URL(url.replace('ws:', 'http:')).origin)).opened, false);

    const node = await open(url);
    try {
      assert.equal(node.details['authrole'], 'local');
    } finally {
      await node.close();
    }
    assert.deepEqual(await upgrade(url, undefined), { opened: true, authrole: 'local' });
  });

  test('an origin in allowedOrigins is let in (compared as browsers send it), any other still refused', async () => {
    const router = new Router({ shutdownTimeoutMs: 500 });
    routers.push(router);
    const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: 0, allowedOrigins: ['https://App.Example:8443', 'http://dash.example:80/'] } });
    assert.ok(url);
    assert.deepEqual(await upgrade(url, 'https://app.example:8443'), { opened: true, authrole: 'local' });
    assert.deepEqual(await upgrade(url, 'http://dash.example'), { opened: true, authrole: 'local' });
    for (const origin of ['https://app.example', 'https://app.example:8444', 'http://app.example:8443', 'https://evil.example', 'null']) {
      const outcome = await upgrade(url, origin);
      assert.ok(!outcome.opened && outcome.status === 403, `${origin}: ${JSON.stringify(outcome)}`);
    }
  });

  test('allowedOrigins is validated, in listenWebSocket and in the config file', async () => {
    for (const bad of ['app.example', 'https://app.example/app', 'https://user@app.example', 'ftp://app.example', 'null']) {
      await assert.rejects(listenWebSocket({ allowedOrigins: [bad] }, () => undefined), (error: unknown) => error instanceof TransportError && error.code === 'bad_options' && /allowedOrigins/.test(error.message));
      const parsed = routerConfigSchema.safeParse({ websocket: { allowedOrigins: [bad] } });
      assert.ok(!parsed.success && parsed.error.issues.some((i) => i.path.join('.') === 'websocket.allowedOrigins.0'), `${bad} accepted by the config schema`);
    }
    assert.equal(routerConfigSchema.safeParse({ websocket: { allowedOrigins: ['https://app.example:8443'] } }).success, true);
  });
});

describe('anonymous only on listeners bound to loopback', { timeout: 20_000 }, () => {
  test('on a 0.0.0.0 listener a client from 127.0.0.1 is not anonymous: ABORT not_authorized; ticket still joins', async () => {
    const principals = [{ authid: 'alice', role: 'user', secretHash: await testHash('alice-secret') }];
    const router = new Router({ shutdownTimeoutMs: 500, authenticators: [new TicketAuthenticator({ principals }), anonymousAuthenticator] });
    routers.push(router);
    const listening = await router.listen({ websocket: { host: '0.0.0.0', port: 0 }, rawsocket: { host: '0.0.0.0', port: 0 } });
    const [wsPort, rawPort] = listening.map((u) => new URL(u).port);
    const loopback = await router.listen({ websocket: { host: '127.0.0.1', port: 0 } });

    for (const url of [`ws://127.0.0.1:${wsPort}/ws`, `tcp://127.0.0.1:${rawPort}`]) {
      const error = await open(url).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof RemoteError, `${url}: expected an ABORT, got ${String(error)}`);
      assert.equal(error.uri, ErrorUri.notAuthorized);
      assert.match(error.message, /only allowed on a loopback listener/);
      const alice = await open(url, { ...ticketAuth('alice-secret'), authid: 'alice' });
      assert.equal(alice.details['authrole'], 'user');
      await alice.close();
    }
    // The same router's loopback listener still admits the owner anonymously.
    const owner = await open(loopback[0]!);
    assert.equal(owner.details['authrole'], 'local');
    await owner.close();
  });

  test('the Router refuses a listener beyond loopback when anonymous is its only method', async () => {
    const router = new Router({ shutdownTimeoutMs: 500 });
    routers.push(router);
    for (const options of [{ websocket: { host: '0.0.0.0', port: 0 } }, { rawsocket: { host: '::', port: 0 } }]) {
      await assert.rejects(router.listen(options), (error: unknown) => error instanceof RouterError && error.code === 'invalid_options' && /refusing to listen on (0\.0\.0\.0|::).*anonymous sessions are only admitted on loopback listeners/.test(error.message));
    }
    assert.deepEqual(router.urls, []);
    assert.equal((await router.listen({ websocket: { host: 'localhost', port: 0 } })).length, 1);
  });

  test('thoth router beyond loopback opens an owner-only Unix socket in its data dir, where the owner joins anonymously', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'thoth-listener-'));
    const { logger, lines } = captureLogger('info');
    const router = await startCliRouter({ host: '0.0.0.0', port: 0, rawsocketPort: 0, dataDir }, logger, routerConfigSchema.parse({ auth: { pairing: true } }));
    try {
      const path = join(dataDir, 'router.sock');
      assert.equal((await stat(path)).mode & 0o777, 0o600, 'only the owner may connect');
      assert.ok(lines.some((l) => l['path'] === path && /the owner's tools/.test(String(l['msg']))), JSON.stringify(lines.map((l) => l['msg'])));
      const session = await open(`unix://${path}`, { realm: 'thoth' });
      assert.equal((await session.call('thoth.device.keys', [])).value instanceof Array, true, 'anonymous there is the owner: an admin procedure answers');
      await session.close();
    } finally {
      await router.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
