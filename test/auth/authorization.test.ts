import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TicketAuthenticator } from '../../src/router/auth/ticket.js';
import { anonymousAuthenticator, Router, RouterError, type RolesConfig } from '../../src/router/index.js';
import { RolePolicy, SessionPermissions } from '../../src/router/authorization.js';
import { authConfigSchema, unconfiguredRoles } from '../../src/router/auth/config.js';
import { installMesh } from '../../src/mesh/index.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { MessageCode, type Message } from '../../src/protocol/messages.js';
import { join as joinLocal, newRouter, TestPeer } from '../router/harness.js';
import { addDevice, addProvider, invoke } from '../mesh/harness.js';
import { answer, expectType, hello, testHash } from './helpers.js';

const roles: RolesConfig = {
  user: {
    rules: [
      { uri: 'app.ping', actions: ['call'], allow: true },
      { uri: 'app.', match: 'prefix', actions: ['call'], allow: true },
      { uri: 'app.admin.', match: 'prefix', actions: ['call'], allow: false },
      { uri: 'app.admin.open', actions: ['call'], allow: true },
      { uri: 'svc..status', match: 'wildcard', actions: ['call'], allow: true },
      { uri: 'svc.secret.status', actions: ['call'], allow: false },
      { uri: 'thoth.', match: 'prefix', actions: ['call'], allow: true },
      { uri: 'agent.', match: 'prefix', actions: ['call'], allow: true },
      { uri: 'user.', match: 'prefix', actions: ['register', 'subscribe'], allow: true },
      { uri: 'news.posted', actions: ['publish', 'subscribe'], allow: true },
    ],
  },
  reader: { rules: [{ uri: 'app.ping', actions: ['call'], allow: false }] },
  ops: { admin: true },
};

/** Authenticate with a ticket over a non-loopback fake connection; returns a joined TestPeer. */
async function login(router: Router, authid: string): Promise<TestPeer> {
  const { connection, reply } = await hello(router, { authmethods: ['ticket'], authid });
  expectType(reply, 'CHALLENGE');
  const welcome = expectType(await answer(connection, `${authid}-secret`), 'WELCOME');
  const peer = new TestPeer(connection);
  peer.sessionId = welcome.sessionId;
  return peer;
}

function isNotAuthorized(reply: Message, requestType: number, requestId: number, pattern: RegExp): void {
  const error = expectType(reply, 'ERROR');
  assert.equal(error.requestType, requestType);
  assert.equal(error.requestId, requestId);
  assert.equal(error.error, ErrorUri.notAuthorized);
  assert.match(String(error.args?.[0]), pattern);
}

async function callReply(peer: TestPeer, procedure: string, kwargs?: Record<string, unknown>): Promise<Message> {
  return peer.callAndWait(procedure, [], {}, kwargs);
}

async function registerReply(peer: TestPeer, procedure: string, match?: string): Promise<Message> {
  const requestId = peer.nextId();
  peer.send({ type: 'REGISTER', requestId, options: match ? { match } : {}, procedure });
  return peer.next();
}

async function subscribeReply(peer: TestPeer, topic: string, match?: string): Promise<Message> {
  const requestId = peer.nextId();
  peer.send({ type: 'SUBSCRIBE', requestId, options: match ? { match } : {}, topic });
  return peer.next();
}

describe('authorization: roles with rules, deny by default', () => {
  let router: Router;
  let callee: TestPeer;

  before(async () => {
    const principals = await Promise.all(['alice:user', 'bob:user', 'rita:reader', 'olga:ops', 'nina:nobody'].map(async (entry) => {
      const [authid, role] = entry.split(':') as [string, string];
      return { authid, role, secretHash: await testHash(`${authid}-secret`) };
    }));
    router = newRouter({ authenticators: [new TicketAuthenticator({ principals }), anonymousAuthenticator], roles });
    installMesh(router, { dataDir: ':memory:' });
    callee = await joinLocal(router);
    for (const procedure of ['app.ping', 'app.other', 'app.admin.reset', 'app.admin.open', 'svc.web.status', 'svc.secret.status', 'svc.web.restart', 'agent.plugins.list', 'agent.plugins.load', 'agent.shutdown']) {
      await callee.register(procedure);
    }
    answerInvocations(callee);
  });
  after(() => router.close());

  test('call: exact, prefix, longer prefix, exact over prefix, wildcard, exact over wildcard, nothing matching', async () => {
    const alice = await login(router, 'alice');
    const expected: [string, boolean][] = [
      ['app.ping', true], ['app.other', true], ['app.admin.reset', false], ['app.admin.open', true],
      ['svc.web.status', true], ['svc.secret.status', false], ['svc.web.restart', false], ['other.thing', false],
    ];
    for (const [procedure, allowed] of expected) {
      const reply = await callReply(alice, procedure);
      if (allowed) assert.equal(reply.type, 'RESULT', `${procedure}: ${JSON.stringify(reply)}`);
      else isNotAuthorized(reply, MessageCode.CALL, (reply as { requestId: number }).requestId, new RegExp(`call ${procedure.replaceAll('.', '\\.')}`));
    }
  });

  test('register: allowed in its prefix (also as a pattern inside it), refused elsewhere and for patterns wider than the grant', async () => {
    const alice = await login(router, 'alice');
    assert.equal((await registerReply(alice, 'user.alice.echo')).type, 'REGISTERED');
    assert.equal((await registerReply(alice, 'user.alice.', 'prefix')).type, 'REGISTERED');
    assert.equal((await registerReply(alice, 'user..echo', 'wildcard')).type, 'REGISTERED');
    for (const [procedure, match] of [['app.ping2', undefined], ['user', 'prefix'], ['..echo', 'wildcard'], ['usex.echo', undefined]] as const) {
      const reply = await registerReply(alice, procedure, match);
      isNotAuthorized(reply, MessageCode.REGISTER, (reply as { requestId: number }).requestId, /not authorized to register/);
    }
  });

  test('subscribe and publish: allowed exactly where granted; a refused PUBLISH answers only with acknowledge', async () => {
    const alice = await login(router, 'alice');
    const rita = await login(router, 'rita');
    const listener = await joinLocal(router);
    await listener.subscribe('news.posted');
    assert.equal((await subscribeReply(alice, 'news.posted')).type, 'SUBSCRIBED');
    assert.equal((await subscribeReply(alice, 'user.', 'prefix')).type, 'SUBSCRIBED');
    const denied = await subscribeReply(alice, 'news.', 'prefix');
    isNotAuthorized(denied, MessageCode.SUBSCRIBE, (denied as { requestId: number }).requestId, /subscribe news\./);
    const deniedRita = await subscribeReply(rita, 'news.posted');
    isNotAuthorized(deniedRita, MessageCode.SUBSCRIBE, (deniedRita as { requestId: number }).requestId, /subscribe news\.posted/);

    rita.send({ type: 'PUBLISH', requestId: rita.nextId(), options: {}, topic: 'news.posted', args: ['from rita'] });
    const acked = rita.nextId();
    rita.send({ type: 'PUBLISH', requestId: acked, options: { acknowledge: true }, topic: 'news.posted', args: ['from rita'] });
    isNotAuthorized(await rita.next(), MessageCode.PUBLISH, acked, /publish news\.posted/);

    const published = alice.nextId();
    alice.send({ type: 'PUBLISH', requestId: published, options: { acknowledge: true }, topic: 'news.posted', args: ['from alice'] });
    const ok = expectType(await alice.next(), 'PUBLISHED');
    const event = await listener.next('EVENT');
    assert.equal(event.publicationId, ok.publicationId, 'the first event is alice\'s: rita\'s publications were dropped');
    assert.deepEqual(event.args, ['from alice']);
    const elsewhere = alice.nextId();
    alice.send({ type: 'PUBLISH', requestId: elsewhere, options: { acknowledge: true }, topic: 'news.deleted', args: [] });
    isNotAuthorized(await alice.next(), MessageCode.PUBLISH, elsewhere, /publish news\.deleted/);
  });

  test('a role without an entry may do nothing; the decision cache belongs to one session', async () => {
    const nina = await login(router, 'nina');
    const rita = await login(router, 'rita');
    const alice = await login(router, 'alice');
    const bob = await login(router, 'bob');
    assert.equal((await callReply(alice, 'app.ping')).type, 'RESULT');
    for (const peer of [nina, rita]) assert.equal(expectType(await callReply(peer, 'app.ping'), 'ERROR').error, ErrorUri.notAuthorized);
    assert.equal((await callReply(bob, 'app.ping')).type, 'RESULT');
    assert.equal(expectType(await registerReply(nina, 'nina.echo'), 'ERROR').error, ErrorUri.notAuthorized);
    assert.equal(expectType(await subscribeReply(nina, 'news.posted'), 'ERROR').error, ErrorUri.notAuthorized);
    const realm = router.realm('thoth')!;
    assert.equal(realm.sessions.get(alice.sessionId)!.permissions!.cachedCount('call'), 1);
    assert.equal(realm.sessions.get(bob.sessionId)!.permissions!.cachedCount('call'), 1);
  });

  test('admin-only procedures are refused to a non-admin role whatever its rules, allowed to an admin role and to local', async () => {
    const alice = await login(router, 'alice');
    const olga = await login(router, 'olga');
    const local = await joinLocal(router);
    assert.equal((await callReply(alice, 'agent.plugins.list')).type, 'RESULT');
    for (const procedure of ['agent.plugins.load', 'agent.shutdown', 'thoth.device.drop', 'thoth.modality.kill']) {
      const reply = await callReply(alice, procedure);
      isNotAuthorized(reply, MessageCode.CALL, (reply as { requestId: number }).requestId, new RegExp(`${procedure.replaceAll('.', '\\.')}: it is admin-only`));
    }
    for (const peer of [olga, local]) {
      assert.equal((await callReply(peer, 'agent.shutdown')).type, 'RESULT');
      const drop = expectType(await callReply(peer, 'thoth.device.drop'), 'ERROR');
      assert.equal(drop.error, ErrorUri.invalidArgument, 'it reached the procedure');
    }
  });

  test('thoth.deregister and thoth.drain: own things for anyone, another session\'s only for admins', async () => {
    const alice = await login(router, 'alice');
    const local = await joinLocal(router);
    const device = await addDevice(router, 'dev-authz', 'authz');
    const other = await addProvider(router, device.id, 'speaker', ['authz.speaker.say']);
    const mine = (await invoke(alice, 'thoth.modality.add', [], { device: device.id, kind: 'lamp', name: 'alice lamp' })) as { id: number };

    assert.deepEqual(await invoke(alice, 'thoth.drain', [], { modality: mine.id, deadline_ms: 0 }), { finished: 0, failed: 0 });
    await assert.rejects(invoke(alice, 'thoth.drain', [], { modality: other.modality, deadline_ms: 0 }), (e: Error & { uri: string }) => e.uri === ErrorUri.notAuthorized && /admin-only/.test(e.message));
    await assert.rejects(invoke(alice, 'thoth.deregister', [], { session: other.peer.sessionId }), (e: Error & { uri: string }) => e.uri === ErrorUri.notAuthorized);
    assert.deepEqual(await invoke(alice, 'thoth.deregister', [], { session: alice.sessionId }), { unregistered: [] });
    assert.deepEqual(await invoke(alice, 'thoth.deregister'), { unregistered: [] });

    assert.deepEqual(await invoke(device.agent, 'thoth.drain', [], { modality: other.modality, deadline_ms: 0 }), { finished: 0, failed: 0 }, 'the device\'s agent (local here)');
    assert.deepEqual(await invoke(local, 'thoth.deregister', [], { session: other.peer.sessionId }), { unregistered: ['authz.speaker.say'] });
  });

  test('loopback anonymous sessions keep full access', async () => {
    const local = await joinLocal(router);
    assert.equal(router.realm('thoth')!.sessions.get(local.sessionId)!.permissions, undefined);
    assert.equal((await callReply(local, 'svc.secret.status')).type, 'RESULT');
    assert.equal((await registerReply(local, 'anything.at.all')).type, 'REGISTERED');
    assert.equal((await subscribeReply(local, '', 'prefix')).type, 'SUBSCRIBED');
    const requestId = local.nextId();
    local.send({ type: 'PUBLISH', requestId, options: { acknowledge: true }, topic: 'news.deleted', args: [] });
    assert.equal((await local.next('PUBLISHED')).requestId, requestId);
  });
});

describe('authorization rules and config', () => {
  test('most specific wins; conflicting rules for one pattern deny; deny by default', () => {
    const policy = new RolePolicy('r', [
      { uri: 'a.', match: 'prefix', actions: ['call'], allow: true },
      { uri: 'a.b.', match: 'prefix', actions: ['call'], allow: false },
      { uri: 'a.b.c', match: 'exact', actions: ['call'], allow: true },
      { uri: 'x..z', match: 'wildcard', actions: ['call'], allow: true },
      { uri: 'x...', match: 'wildcard', actions: ['call'], allow: false },
      { uri: 'x.y.', match: 'wildcard', actions: ['call'], allow: true },
      { uri: 'd.e', match: 'exact', actions: ['call'], allow: true },
      { uri: 'd.e', match: 'exact', actions: ['call'], allow: false },
    ]);
    const cases: [string, boolean][] = [['a.q', true], ['a.b.q', false], ['a.b.c', true], ['x.q.z', true], ['x.y.z', true], ['x.q.w', false], ['x.q.w.v', false], ['d.e', false], ['zzz', false]];
    for (const [uri, allowed] of cases) assert.equal(policy.allows('call', uri), allowed, uri);
    assert.equal(policy.allows('register', 'a.q'), false, 'rules apply to their actions only');
    // Patterns: allowed only when no deny rule reaches inside them.
    const patterns: [string, 'prefix' | 'wildcard', boolean][] = [
      ['a.q.', 'prefix', true], ['a.', 'prefix', false], ['a.b.c', 'prefix', false], ['a.q..', 'wildcard', true], ['a...', 'wildcard', false],
      ['x.y.', 'wildcard', true], ['x..w', 'wildcard', false], ['d.e', 'prefix', false],
    ];
    for (const [uri, match, allowed] of patterns) assert.equal(policy.allows('call', uri, match), allowed, `${match} ${uri}`);
  });

  test('the per-session cache is bounded', () => {
    const permissions = new SessionPermissions(new RolePolicy('r', [{ uri: 'a.', match: 'prefix', actions: ['call'], allow: true }]));
    for (let i = 0; i < 5000; i++) assert.equal(permissions.allows('call', `a.${i}`), true);
    assert.ok(permissions.cachedCount('call') <= 1024, `${permissions.cachedCount('call')} cached`);
  });

  test('config: bad keys are named, built-in roles cannot be redefined, roles without an entry are reported', async () => {
    const bad = authConfigSchema.safeParse({ roles: { user: { rules: [{ uri: 'a', actions: ['call'], allow: true, colour: 'red' }] } } });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad.error?.issues), /colour/);
    const badAction = authConfigSchema.safeParse({ roles: { user: { rules: [{ uri: 'a', actions: ['delete'], allow: true }] } } });
    assert.deepEqual(badAction.error?.issues[0]?.path, ['roles', 'user', 'rules', 0, 'actions', 0]);
    assert.equal(authConfigSchema.safeParse({ roles: { local: { rules: [] } } }).success, false);
    assert.throws(() => new Router({ roles: { router: { admin: false } } }), (e: unknown) => e instanceof RouterError && /roles: router/.test(e.message));
    const auth = authConfigSchema.parse({
      ticket: { principals: [{ authid: 'a', role: 'user', secretHash: await testHash('pw') }] },
      cryptosign: { principals: [{ authid: 'b', role: 'kiosk', pubkey: '0'.repeat(64) }, { authid: 'c', role: 'local', pubkey: '1'.repeat(64) }, { authid: 'd', role: 'device', pubkey: '2'.repeat(64) }] },
      roles: { user: { rules: [] } },
    });
    assert.deepEqual(unconfiguredRoles(auth), ['kiosk'], 'device is built in');
  });
});

/** Answer every INVOCATION with an empty YIELD. */
function answerInvocations(peer: TestPeer): void {
  const loop = async (): Promise<void> => {
    for (;;) {
      const invocation = await peer.next('INVOCATION');
      peer.send({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [] });
    }
  };
  void loop();
}
