/**
 * The authorization matrix: every role the router knows (anonymous `local`, a ticket
 * role with rules, a reader, a role with an entry but no rules, a role with no entry,
 * an admin role, and the built-in `device` role) x call, register, publish, subscribe
 * x URIs its rules allow and deny, each asserted against a real router over
 * WebSocket (127.0.0.1, port 0) with SDK sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, cryptosignAuth, RemoteError, ticketAuth, type ConnectOptions, type Session } from '../../src/client/index.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { CryptosignAuthenticator } from '../../src/router/auth/cryptosign.js';
import { TicketAuthenticator } from '../../src/router/auth/ticket.js';
import { anonymousAuthenticator, Router, type RolesConfig } from '../../src/router/index.js';
import { newKeyPair, testHash } from './helpers.js';

const roles: RolesConfig = {
  user: {
    rules: [
      { uri: 'app.', match: 'prefix', actions: ['call'], allow: true },
      { uri: 'app.admin.', match: 'prefix', actions: ['call'], allow: false },
      // Granted by a rule, but admin-only all the same.
      { uri: 'agent.', match: 'prefix', actions: ['call'], allow: true },
      { uri: 'user.', match: 'prefix', actions: ['register'], allow: true },
      { uri: 'news.', match: 'prefix', actions: ['publish', 'subscribe'], allow: true },
    ],
  },
  reader: {
    rules: [
      { uri: 'app.ping', actions: ['call'], allow: true },
      { uri: 'news.', match: 'prefix', actions: ['subscribe'], allow: true },
    ],
  },
  empty: { rules: [] },
  ops: { admin: true },
};

/** The roles of the matrix, in column order; `guest` is given to a principal but has no entry in the roles. */
const roleNames = ['local', 'user', 'reader', 'empty', 'guest', 'ops', 'device'] as const;
type RoleName = (typeof roleNames)[number];

type Outcome = 'ok' | 'denied' | 'reserved';
type Action = 'call' | 'register' | 'publish' | 'subscribe';

interface Row {
  action: Action;
  uri: string;
  /** REGISTER options (invoke, match). */
  options?: { invoke?: 'single' | 'roundrobin' | 'first'; match?: 'prefix' };
  why: string;
  expect: Record<RoleName, Outcome>;
}

const ok: Outcome = 'ok';
const no: Outcome = 'denied';

/** Columns: local, user, reader, empty, guest, ops, device. */
function outcomes(...cells: [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]): Record<RoleName, Outcome> {
  return Object.fromEntries(roleNames.map((role, i) => [role, cells[i]!])) as Record<RoleName, Outcome>;
}

const matrix: Row[] = [
  { action: 'call', uri: 'app.ping', why: 'user: prefix app.; reader: exact rule', expect: outcomes(ok, ok, ok, no, no, ok, ok) },
  { action: 'call', uri: 'app.admin.reset', why: 'user: the longer deny prefix wins', expect: outcomes(ok, no, no, no, no, ok, ok) },
  { action: 'call', uri: 'agent.shutdown', why: 'admin-only whatever the rules say', expect: outcomes(ok, no, no, no, no, ok, no) },
  { action: 'register', uri: 'user.echo', why: 'user: prefix user.; device: not shared, outside its namespace', expect: outcomes(ok, ok, no, no, no, ok, no) },
  { action: 'register', uri: 'device.laptop.echo', why: "the device's own namespace", expect: outcomes(ok, no, no, no, no, ok, ok) },
  { action: 'register', uri: 'fs.read', options: { invoke: 'roundrobin' }, why: 'a device-targetable shared procedure', expect: outcomes(ok, no, no, no, no, ok, ok) },
  { action: 'register', uri: 'fs.read', options: { invoke: 'first' }, why: "'first' would take every untargeted call", expect: outcomes(ok, no, no, no, no, ok, no) },
  { action: 'register', uri: 'device.other.echo', why: "another device's namespace", expect: outcomes(ok, no, no, no, no, ok, no) },
  { action: 'publish', uri: 'news.posted', why: 'user: prefix news.; reader may only subscribe', expect: outcomes(ok, ok, no, no, no, ok, ok) },
  { action: 'publish', uri: 'app.private', why: 'no rule for the user; a device publishes anywhere but thoth./wamp.', expect: outcomes(ok, no, no, no, no, ok, ok) },
  { action: 'publish', uri: 'thoth.device.on_online', why: "the router's own topic: authorization refuses first; admins hit the reserved namespace", expect: outcomes('reserved', no, no, no, no, 'reserved', no) },
  { action: 'subscribe', uri: 'news.posted', why: 'user and reader: prefix news.', expect: outcomes(ok, ok, ok, no, no, ok, ok) },
  { action: 'subscribe', uri: 'app.private', why: 'no rule for user or reader; a device subscribes anywhere', expect: outcomes(ok, no, no, no, no, ok, ok) },
];

describe('authorization matrix: roles x actions x allowed and denied URIs, on a real router', { timeout: 30_000 }, () => {
  let router: Router;
  const sessions = new Map<RoleName, Session>();
  let callee: Session;

  before(async () => {
    const ticketRoles: [string, RoleName][] = [['alice', 'user'], ['rita', 'reader'], ['emma', 'empty'], ['gus', 'guest'], ['olga', 'ops']];
    const principals = await Promise.all(ticketRoles.map(async ([authid, role]) => ({ authid, role, secretHash: await testHash(`${authid}-secret`) })));
    const laptop = newKeyPair();
    router = new Router({
      shutdownTimeoutMs: 500,
      roles,
      authenticators: [
        new TicketAuthenticator({ principals }),
        new CryptosignAuthenticator({ principals: [{ authid: 'laptop', role: 'device', pubkey: laptop.pubkey }] }),
        anonymousAuthenticator,
      ],
    });
    const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: 0 } });
    assert.ok(url);
    const open = (options: Partial<ConnectOptions>): Promise<Session> => connect({ url, reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500, ...options });
    callee = await open({});
    for (const procedure of ['app.ping', 'app.admin.reset', 'agent.shutdown']) await callee.register(procedure, () => `${procedure} ran`);
    sessions.set('local', await open({}));
    for (const [authid, role] of ticketRoles) sessions.set(role, await open({ ...ticketAuth(`${authid}-secret`), authid }));
    sessions.set('device', await open({ ...cryptosignAuth(laptop.privateKey), authid: 'laptop' }));
    for (const role of roleNames) {
      const expected = role === 'guest' ? 'guest' : role;
      assert.equal(sessions.get(role)!.details['authrole'], expected, `the ${role} session joined with its role`);
    }
  });

  after(async () => {
    await Promise.all([callee, ...sessions.values()].map((s) => s.close()));
    await router.close();
  });

  /** Try the row's action; resolves when the router allowed it (and undoes it), rejects with the router's ERROR. */
  async function attempt(session: Session, row: Row): Promise<void> {
    switch (row.action) {
      case 'call': {
        const result = await session.call(row.uri, []);
        assert.equal(result.value, `${row.uri} ran`);
        return;
      }
      case 'register': {
        const registration = await session.register(row.uri, () => 'registered', row.options ?? {});
        await registration.unregister();
        return;
      }
      case 'publish':
        await session.publish(row.uri, ['news'], undefined, { acknowledge: true });
        return;
      case 'subscribe': {
        const subscription = await session.subscribe(row.uri, () => undefined);
        await subscription.unsubscribe();
        return;
      }
    }
  }

  for (const row of matrix) {
    const label = `${row.action} ${row.uri}${row.options?.invoke ? ` (invoke ${row.options.invoke})` : ''}`;
    for (const role of roleNames) {
      const expected = row.expect[role];
      test(`${label}: ${role} -> ${expected} (${row.why})`, async () => {
        const outcome = attempt(sessions.get(role)!, row);
        if (expected === 'ok') return outcome;
        const error = await outcome.then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof RemoteError, `expected the router to refuse, got ${error === undefined ? 'success' : String(error)}`);
        if (expected === 'reserved') {
          assert.equal(error.uri, ErrorUri.invalidUri);
          assert.match(error.message, /reserved for the router/);
          return;
        }
        assert.equal(error.uri, ErrorUri.notAuthorized, error.message);
        const reason = String(error.args[0]);
        assert.ok(reason.startsWith(`not authorized to ${row.action} ${row.uri}`), reason);
        if (row.uri === 'agent.shutdown') assert.match(reason, /admin-only/);
      });
    }
  }

  test('the sessions refused above are all still open', () => {
    for (const [role, session] of sessions) assert.equal(session.state, 'established', `the ${role} session`);
  });
});
