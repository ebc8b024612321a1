import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, afterEach, describe, it } from 'node:test';
import { connect, cryptosignAuth, ErrorUri, RemoteError, type ConnectOptions, type Session } from '../../src/client/index.js';
import { deviceIdFromPublicKey, keyFingerprint } from '../../src/common/device-id.js';
import { rawPublicKey } from '../../src/agent/identity.js';
import { deviceAuth } from '../../src/agent/session-auth.js';
import { startMeshRouter, TempDirs, within, type MeshRouter } from '../agent/support.js';
import { makeTestCerts } from '../support/tls-certs.js';

interface KeyRecord { device: string; fingerprint: string; state: string; name: string; address: string }

const dirs = new TempDirs();
const routers: MeshRouter[] = [];
const sessions: Session[] = [];

after(() => dirs.cleanup());
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

async function router(dataDir?: string): Promise<MeshRouter> {
  const r = await startMeshRouter(dataDir === undefined ? {} : { dataDir });
  routers.push(r);
  return r;
}

interface TestDevice {
  id: string;
  fingerprint: string;
  privateKey: KeyObject;
}

function newDevice(): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  return { id: deviceIdFromPublicKey(raw), fingerprint: keyFingerprint(raw), privateKey };
}

async function open(url: string, options: Partial<ConnectOptions> = {}): Promise<Session> {
  const session = await connect({ url, realm: 'thoth', reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500, ...options });
  sessions.push(session);
  return session;
}

/** The owner: anonymous over loopback (role local, an admin). */
const owner = (url: string): Promise<Session> => open(url);
const asDevice = (url: string, device: TestDevice, name = 'kitchen-pi', options: Partial<ConnectOptions> = {}): Promise<Session> =>
  open(url, { ...deviceAuth(device.privateKey, device.id, name, url), ...options });

async function refusal(attempt: Promise<unknown>): Promise<RemoteError> {
  const error = await attempt.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof RemoteError, `expected an ABORT, got ${String(error)}`);
  return error;
}

async function keys(session: Session, state?: string): Promise<KeyRecord[]> {
  return (await session.call('thoth.device.keys', [], state === undefined ? {} : { state })).value as KeyRecord[];
}

describe('device pairing', () => {
  it('holds an unknown device key as pending, says how to approve it, and lists it with its fingerprint', async () => {
    const r = await router();
    const device = newDevice();
    const error = await refusal(asDevice(r.url, device));
    assert.equal(error.uri, ErrorUri.devicePending);
    assert.match(error.message, new RegExp(`thoth devices approve ${device.id}`));
    assert.match(error.message, new RegExp(device.fingerprint));

    const pending = await keys(await owner(r.url), 'pending');
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.device, device.id);
    assert.equal(pending[0]!.fingerprint, device.fingerprint);
    assert.equal(pending[0]!.name, 'kitchen-pi');
    assert.match(pending[0]!.address, /^127\.0\.0\.1:/);
  });

  it('lets an approved device join as itself, role device', async () => {
    const r = await router();
    const device = newDevice();
    await refusal(asDevice(r.url, device));
    const approved = (await (await owner(r.url)).call('thoth.device.approve', [device.id])).value as KeyRecord;
    assert.equal(approved.state, 'approved');

    const session = await asDevice(r.url, device);
    assert.deepEqual(
      { authid: session.details.authid, authrole: session.details.authrole, authmethod: session.details.authmethod, authprovider: session.details.authprovider },
      { authid: device.id, authrole: 'device', authmethod: 'cryptosign', authprovider: 'pairing' },
    );
    assert.deepEqual(await keys(await owner(r.url), 'pending'), []);
  });

  it('does not count a pending device\'s retries as failed authentications', async () => {
    const r = await router();
    const device = newDevice();
    // The default allowance is 5 failures per minute from one address.
    for (let attempt = 0; attempt < 8; attempt++) assert.equal((await refusal(asDevice(r.url, device))).uri, ErrorUri.devicePending);
    await (await owner(r.url)).call('thoth.device.approve', [device.id]);
    await asDevice(r.url, device);
  });

  it('refuses a forged signature (someone else\'s public key) without recording anything', async () => {
    const r = await router();
    const victim = newDevice();
    const thief = newDevice();
    const forged = cryptosignAuth(thief.privateKey);
    const victimKey = cryptosignAuth(victim.privateKey).authextra.pubkey;
    const error = await refusal(open(r.url, { ...forged, authid: victim.id, authextra: { pubkey: victimKey } }));
    assert.equal(error.uri, ErrorUri.authenticationFailed);
    assert.deepEqual(await keys(await owner(r.url)), []);
  });

  it('refuses a device that claims another device\'s id', async () => {
    const r = await router();
    const device = newDevice();
    const other = newDevice();
    const error = await refusal(open(r.url, { ...cryptosignAuth(device.privateKey), authid: other.id }));
    assert.equal(error.uri, ErrorUri.authenticationFailed);
    assert.deepEqual(await keys(await owner(r.url)), []);
  });

  it('keeps approvals and revocations across router restarts', async () => {
    const dataDir = await dirs.make('thoth-pairing-');
    const first = await router(dataDir);
    const approved = newDevice();
    const revoked = newDevice();
    await refusal(asDevice(first.url, approved));
    await refusal(asDevice(first.url, revoked));
    const admin = await owner(first.url);
    await admin.call('thoth.device.approve', [approved.id]);
    await admin.call('thoth.device.revoke', [revoked.id]);
    await admin.close();
    await first.close();

    const second = await router(dataDir);
    await asDevice(second.url, approved);
    assert.equal((await refusal(asDevice(second.url, revoked))).uri, ErrorUri.deviceRevoked);
  });

  it('revoking a device ends its sessions at once and fails the calls in flight to it', async () => {
    const r = await router();
    const device = newDevice();
    await refusal(asDevice(r.url, device));
    const admin = await owner(r.url);
    await admin.call('thoth.device.approve', [device.id]);

    const session = await asDevice(r.url, device);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    await session.register(`device.${device.id}.slow`, () => {
      started();
      return new Promise(() => undefined);
    });
    const closed = new Promise<{ reason: string }>((resolve) => session.on('close', resolve));
    const call = admin.call(`device.${device.id}.slow`, []);
    await running;
    const revoked = (await admin.call('thoth.device.revoke', [device.id])).value as KeyRecord;
    assert.equal(revoked.state, 'revoked');

    const failure = await call.then(() => undefined, (e: unknown) => e);
    assert.ok(failure instanceof RemoteError);
    assert.equal(failure.uri, ErrorUri.deviceRevoked);
    assert.equal((await within(closed, 5000, 'the device session to end')).reason, ErrorUri.deviceRevoked);
    assert.equal((await refusal(asDevice(r.url, device))).uri, ErrorUri.deviceRevoked);
  });

  it('lets a revoked device back in once approved again', async () => {
    const r = await router();
    const device = newDevice();
    await refusal(asDevice(r.url, device));
    const admin = await owner(r.url);
    await admin.call('thoth.device.revoke', [device.id]);
    await refusal(asDevice(r.url, device));
    await admin.call('thoth.device.approve', [device.id]);
    await asDevice(r.url, device);
  });

  it('over TLS the device signs its challenge bound to the connection (tls-exporter)', async () => {
    const certs = await makeTestCerts();
    try {
      const r = await startMeshRouter({ tls: { cert: certs.selfSigned.cert, key: certs.selfSigned.key } });
      routers.push(r);
      assert.match(r.url, /^wss:/);
      const tls = { tls: { fingerprint: certs.selfSigned.fingerprint } };
      const device = newDevice();
      await refusal(asDevice(r.url, device, 'kitchen-pi', tls));
      await (await open(r.url, tls)).call('thoth.device.approve', [device.id]);
      const seen: unknown[] = [];
      const auth = deviceAuth(device.privateKey, device.id, 'kitchen-pi', r.url);
      assert.equal(auth.authextra?.['channel_binding'], 'tls-exporter');
      const session = await open(r.url, { ...auth, ...tls, onChallenge: (method, extra, context) => {
        seen.push(extra['channel_binding']);
        return auth.onChallenge!(method, extra, context);
      } });
      assert.deepEqual(seen, ['tls-exporter']);
      assert.equal(session.details.authid, device.id);
    } finally {
      await certs.remove();
    }
  });

  it('answers approve and revoke of an unknown device with no_such_device', async () => {
    const r = await router();
    const admin = await owner(r.url);
    for (const procedure of ['thoth.device.approve', 'thoth.device.revoke']) {
      const error = await admin.call(procedure, ['nosuchdevice0000']).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof RemoteError);
      assert.equal(error.uri, ErrorUri.noSuchDevice);
      assert.match(error.message, /nosuchdevice0000/);
    }
  });
});

describe('what a paired device may do', () => {
  async function pairedDevice(r: MeshRouter): Promise<{ device: TestDevice; session: Session }> {
    const device = newDevice();
    await refusal(asDevice(r.url, device));
    await (await owner(r.url)).call('thoth.device.approve', [device.id]);
    return { device, session: await asDevice(r.url, device) };
  }

  async function denied(attempt: Promise<unknown>): Promise<string> {
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof RemoteError, `expected a refusal, got ${String(error)}`);
    assert.equal(error.uri, ErrorUri.notAuthorized);
    return error.message;
  }

  it('may not approve, revoke or list device keys (admin-only)', async () => {
    const r = await router();
    const { device, session } = await pairedDevice(r);
    for (const procedure of ['thoth.device.keys', 'thoth.device.approve', 'thoth.device.revoke']) {
      assert.match(await denied(session.call(procedure, procedure === 'thoth.device.keys' ? [] : [device.id])), /admin-only/);
    }
  });

  it('registers anything in its own namespace and only shared registrations elsewhere', async () => {
    const r = await router();
    const { device, session } = await pairedDevice(r);
    const other = newDevice();
    await session.register(`device.${device.id}.private`, () => 'mine');
    await session.register('fs.read', () => 'shared', { invoke: 'roundrobin' });
    assert.match(await denied(session.register(`device.${other.id}.private`, () => 'theirs')), new RegExp(`register device\\.${other.id}\\.private`));
    await denied(session.register('media.play', () => 'all mine'));
    await denied(session.register('thoth.device.list', () => [], { invoke: 'roundrobin' }));
    assert.equal((await (await owner(r.url)).call(`device.${device.id}.private`, [])).value, 'mine');
  });

  /** A paired device that registered itself and one modality, as an agent does. */
  async function onlineDevice(r: MeshRouter, name: string): Promise<{ device: TestDevice; session: Session }> {
    const paired = await pairedDevice(r);
    await paired.session.call('thoth.device.register', [], { id: paired.device.id, name });
    await paired.session.call('thoth.modality.add', [], { device: paired.device.id, kind: 'speaker', name: `speaker on ${name}` });
    return paired;
  }

  it('cannot hijack a procedure another device provides: outside its namespace only invoke roundrobin, and a call targeted at the other device always reaches it', async () => {
    const r = await router();
    const victim = await onlineDevice(r, 'living-room');
    const attacker = await onlineDevice(r, 'intruder');
    await victim.session.register('media.play', () => 'victim', { invoke: 'roundrobin' });

    // Taking every untargeted call (first, last), or all of them (single), or forcing a policy the others cannot join (random): refused.
    for (const invoke of ['first', 'last', 'random', 'single', undefined] as const) {
      const message = await denied(attacker.session.register('media.play', () => 'attacker', invoke === undefined ? {} : { invoke }));
      assert.match(message, new RegExp(`not authorized to register media\\.play with invoke '${invoke ?? 'single'}'.*device\\.${attacker.device.id}\\..*'roundrobin'.*auth\\.roles\\.device`));
    }
    // Nor a pattern that would catch the calls of procedures another device offers once it is gone.
    assert.match(await denied(attacker.session.register('media.', () => 'attacker', { match: 'prefix', invoke: 'roundrobin' })), /as a prefix pattern/);
    // Nor squat a procedure before the other device registers it, keeping it out.
    await denied(attacker.session.register('speaker.say', () => 'attacker', { invoke: 'first' }));
    await victim.session.register('speaker.say', () => 'victim', { invoke: 'roundrobin' });

    // Sharing it is allowed: then untargeted calls take turns, and a call targeted at the victim always reaches the victim.
    await attacker.session.register('media.play', () => 'attacker', { invoke: 'roundrobin' });
    const caller = await owner(r.url);
    for (let i = 0; i < 10; i++) {
      assert.equal((await caller.call('media.play', [], undefined, { device: victim.device.id })).value, 'victim');
      assert.equal((await caller.call('media.play', [], undefined, { device: 'living-room' })).value, 'victim');
    }
    const untargeted = new Set<unknown>();
    for (let i = 0; i < 4; i++) untargeted.add((await caller.call('media.play', [])).value);
    assert.deepEqual([...untargeted].sort(), ['attacker', 'victim']);
  });

  it('gets more outside its namespace only where a rule in auth.roles.device grants it', async () => {
    const r = await startMeshRouter({ roles: { device: { rules: [{ uri: 'music.library', actions: ['register'], allow: true }] } } });
    routers.push(r);
    const { session } = await pairedDevice(r);
    await session.register('music.library', () => 'only mine');
    assert.equal((await (await owner(r.url)).call('music.library', [])).value, 'only mine');
    await denied(session.register('music.queue', () => 'not granted', { invoke: 'first' }));
  });

  it('registers only itself as a device and adds modalities only to itself', async () => {
    const r = await router();
    const { device, session } = await pairedDevice(r);
    const other = newDevice();
    assert.match(await denied(session.call('thoth.device.register', [], { id: other.id, name: 'impostor' })), new RegExp(`this session is device ${device.id}`));
    await session.call('thoth.device.register', [], { id: device.id, name: 'kitchen-pi' });
    await denied(session.call('thoth.modality.add', [], { device: other.id, kind: 'speaker', name: 'fake' }));
    const modality = (await session.call('thoth.modality.add', [], { device: device.id, kind: 'speaker', name: 'real' })).value as { device: string };
    assert.equal(modality.device, device.id);
  });

  it('may call and subscribe, but not publish on the router\'s own topics', async () => {
    const r = await router();
    const { session } = await pairedDevice(r);
    assert.ok(Array.isArray((await session.call('thoth.device.list', [])).value));
    await session.subscribe('thoth.device.on_online', () => undefined);
    await denied(session.publish('thoth.device.on_online', [{ id: 'fake' }], {}, { acknowledge: true }));
    await session.publish('app.news', ['hello'], {}, { acknowledge: true });
  });
});
