import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { connect, type ConnectOptions, type Session } from '../../src/client/index.js';
import { deviceIdFromPublicKey } from '../../src/common/device-id.js';
import { rawPublicKey } from '../../src/common/ed25519.js';
import { deviceAuth } from '../../src/agent/session-auth.js';
import { announceProof } from '../../src/dht/bootstrap/announce-proof.js';
import { DhtRevokedTopic, type ContactsReply } from '../../src/dht/bootstrap/schemas.js';
import { OverlayCredentials } from '../../src/dht/net/secure/credentials.js';
import { startMeshRouter } from '../agent/support.js';

const sessions: Session[] = [];
after(() => Promise.all(sessions.map((s) => s.close().catch(() => undefined))));

async function open(url: string, options: Partial<ConnectOptions> = {}): Promise<Session> {
  const session = await connect({ url, realm: 'thoth', reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500, ...options });
  sessions.push(session);
  return session;
}

test('a paired device\'s node is certified to the device, and revoking the device revokes its node in the overlay', async (t) => {
  const router = await startMeshRouter();
  t.after(() => router.close());
  const owner = await open(router.url);
  const { privateKey } = generateKeyPairSync('ed25519');
  const device = deviceIdFromPublicKey(rawPublicKey(privateKey));
  await open(router.url, deviceAuth(privateKey, device, 'kitchen-pi', router.url)).catch(() => undefined);
  await owner.call('thoth.device.approve', [device]);
  const session = await open(router.url, deviceAuth(privateKey, device, 'kitchen-pi', router.url));

  const node = OverlayCredentials.generate();
  const reply = (await session.call('thoth.dht.announce', [], {
    id: node.nodeId, port: 4100, key: node.publicKey.toString('base64url'), proof: announceProof(node.privateKey, node.nodeId, session.id),
  })).value as ContactsReply;
  const membership = node.install(reply.membership!.certificate, Buffer.from(reply.membership!.authority, 'base64url'));
  assert.equal(membership.holder, device, 'certified to the device that announced it');

  let received: (kwargs: unknown) => void = () => undefined;
  const event = new Promise<unknown>((resolve) => (received = resolve));
  await owner.subscribe(DhtRevokedTopic, (_args, kwargs) => received(kwargs));
  await owner.call('thoth.device.revoke', [device]);
  assert.deepEqual(await event, { nodes: [node.nodeId], until: membership.expires });
});
