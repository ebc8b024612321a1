import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Dict, Message, MessageOf } from '../../src/protocol/messages.js';
import { ed25519PublicKeyHex } from '../../src/client/auth.js';
import { hashSecret, type ScryptParams } from '../../src/router/auth/secrets.js';
import type { Router } from '../../src/router/index.js';
import { FakeConnection } from '../router/fake-connection.js';
import { allRoles } from '../router/harness.js';

/** Cheap scrypt cost for tests (the default costs tens of ms per hash). */
export const testScrypt: ScryptParams = { log2N: 10, r: 8, p: 1 };

export function testHash(secret: string): Promise<string> {
  return hashSecret(secret, testScrypt);
}

export interface KeyPair {
  privateKey: KeyObject;
  pubkey: string;
}

export function newKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, pubkey: ed25519PublicKeyHex(privateKey) };
}

/** A remote address outside loopback (TEST-NET-3): only ever a label on a FakeConnection, never dialled. */
export const remoteAddress = '203.0.113.7:40000';

/** Attach a fake connection to the router and send HELLO; returns the connection and the router's first answer. */
export async function hello(router: Router, details: Dict, options: { remoteAddress?: string; isLocal?: boolean; channelId?: Buffer } = {}): Promise<{ connection: FakeConnection; reply: Message }> {
  const channelBinding = options.channelId === undefined ? {} : { channelBinding: { type: 'tls-exporter' as const, value: options.channelId } };
  const connection = new FakeConnection({ remoteAddress: options.remoteAddress ?? remoteAddress, isLocal: options.isLocal ?? false, ...channelBinding });
  router.attach(connection);
  connection.deliver({ type: 'HELLO', realm: 'thoth', details: { roles: allRoles, ...details } });
  return { connection, reply: await connection.next() };
}

/** Answer a CHALLENGE and return the router's reply (WELCOME or ABORT). */
export async function answer(connection: FakeConnection, signature: string): Promise<Message> {
  connection.deliver({ type: 'AUTHENTICATE', signature, extra: {} });
  return connection.next();
}

export function expectType<T extends Message['type']>(message: Message, type: T): MessageOf<T> {
  if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
  return message as MessageOf<T>;
}
