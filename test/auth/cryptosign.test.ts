import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { CryptosignAuthenticator } from '../../src/router/auth/cryptosign.js';
import { cryptosignAuth, ed25519PublicKeyHex, loadEd25519PrivateKey, signCryptosignChallenge } from '../../src/client/auth.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import type { Router } from '../../src/router/index.js';
import { newRouter } from '../router/harness.js';
import { answer, expectType, hello, newKeyPair, type KeyPair } from './helpers.js';

// From the WAMP spec (rfc/text/advanced/ap_35_authentication_cryptosign.md), the vectors without channel binding.
const specVectors = [
  {
    privateKey: '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510',
    challenge: 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    signature: 'b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e6e75013517c2cf067ad566a6b7b728e5d03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  },
  {
    privateKey: 'd511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd',
    challenge: 'b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d',
    signature: 'd4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64ce725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d',
  },
  {
    privateKey: '6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b',
    challenge: 'b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2',
    signature: '7beb282184baadd08f166f16dd683b39cab53816ed81e6955def951cb2ddad1ec184e206746fd82bda075af03711d3d5658fc84a76196b0fa8d1ebc92ef9f30bb05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2',
  },
];

describe('cryptosign signatures', () => {
  for (const [index, vector] of specVectors.entries()) {
    test(`spec test vector ${index + 1}`, () => {
      assert.equal(signCryptosignChallenge(loadEd25519PrivateKey(vector.privateKey), vector.challenge), vector.signature);
    });
  }

  test('a key loads from PEM, hex seed and hex seed || public key alike', () => {
    const { privateKey, pubkey } = newKeyPair();
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex');
    for (const text of [pem, seed, `${seed}${pubkey}`, `${seed}\n`]) assert.equal(ed25519PublicKeyHex(loadEd25519PrivateKey(text)), pubkey);
    assert.throws(() => loadEd25519PrivateKey(`${seed}${'00'.repeat(32)}`), /seed \|\| public key/);
    assert.throws(() => loadEd25519PrivateKey('not a key'), /PEM/);
  });

  test('the client refuses a channel binding it did not ask for, and other methods', async () => {
    const { privateKey } = newKeyPair();
    const auth = cryptosignAuth(privateKey);
    assert.throws(() => auth.onChallenge('cryptosign', { challenge: 'ab'.repeat(32), channel_binding: 'tls-unique' }), /channel binding/);
    assert.throws(() => auth.onChallenge('ticket', {}), /ticket/);
    assert.throws(() => auth.onChallenge('cryptosign', { challenge: 'xyz' }), /32 bytes/);
  });
});

describe('cryptosign authentication', () => {
  let router: Router;
  let laptop: KeyPair;
  let phone: KeyPair;
  let stranger: KeyPair;

  before(() => {
    laptop = newKeyPair();
    phone = newKeyPair();
    stranger = newKeyPair();
    router = newRouter({
      authenticators: [new CryptosignAuthenticator({ principals: [
        { authid: 'laptop', role: 'device', pubkey: laptop.pubkey },
        { authid: 'phone', role: 'admin', pubkey: phone.pubkey.toUpperCase() },
      ] })],
    });
  });
  after(() => router.close());

  const failed = { type: 'ABORT', reason: ErrorUri.authenticationFailed, details: { message: 'authentication failed' } };

  async function challengeFor(pubkey: string, authid?: string, extra: Record<string, unknown> = {}) {
    const { connection, reply } = await hello(router, { authmethods: ['cryptosign'], ...(authid ? { authid } : {}), authextra: { pubkey, ...extra } });
    const challenge = expectType(reply, 'CHALLENGE');
    assert.equal(challenge.authMethod, 'cryptosign');
    assert.match(String(challenge.extra['challenge']), /^[0-9a-f]{64}$/);
    assert.equal(challenge.extra['channel_binding'], null);
    return { connection, challenge: String(challenge.extra['challenge']) };
  }

  test('the right key is welcomed with the principal authid and role', async () => {
    for (const [pair, authid, role] of [[laptop, 'laptop', 'device'], [phone, 'phone', 'admin']] as const) {
      const { connection, challenge } = await challengeFor(pair.pubkey, authid);
      const welcome = expectType(await answer(connection, signCryptosignChallenge(pair.privateKey, challenge)), 'WELCOME');
      assert.equal(welcome.details['authid'], authid);
      assert.equal(welcome.details['authrole'], role);
      assert.equal(welcome.details['authmethod'], 'cryptosign');
    }
  });

  test('without an authid the router assigns the principal authid', async () => {
    const { connection, challenge } = await challengeFor(laptop.pubkey);
    const welcome = expectType(await answer(connection, signCryptosignChallenge(laptop.privateKey, challenge)), 'WELCOME');
    assert.equal(welcome.details['authid'], 'laptop');
  });

  test('a bare 64-byte signature is accepted too', async () => {
    const { connection, challenge } = await challengeFor(laptop.pubkey, 'laptop');
    const bare = sign(null, Buffer.from(challenge, 'hex'), laptop.privateKey).toString('hex');
    expectType(await answer(connection, bare), 'WELCOME');
  });

  test('a key the router does not know is challenged, then refused like any failure', async () => {
    const { connection, challenge } = await challengeFor(stranger.pubkey, 'stranger');
    assert.deepEqual(await answer(connection, signCryptosignChallenge(stranger.privateKey, challenge)), failed);
  });

  test('wrong key: claiming the laptop key but signing with another', async () => {
    const { connection, challenge } = await challengeFor(laptop.pubkey, 'laptop');
    assert.deepEqual(await answer(connection, signCryptosignChallenge(stranger.privateKey, challenge)), failed);
  });

  test("wrong authid: the phone's key cannot join as the laptop", async () => {
    const { connection, challenge } = await challengeFor(phone.pubkey, 'laptop');
    assert.deepEqual(await answer(connection, signCryptosignChallenge(phone.privateKey, challenge)), failed);
  });

  test('forged signatures are refused: flipped bit, random bytes, wrong length, not hex, other message', async () => {
    const forgeries: ((challenge: string) => string)[] = [
      (c) => {
        const good = Buffer.from(signCryptosignChallenge(laptop.privateKey, c), 'hex');
        good[5] = good[5]! ^ 0x01;
        return good.toString('hex');
      },
      (c) => `${'ab'.repeat(64)}${c}`,
      (c) => signCryptosignChallenge(laptop.privateKey, c).slice(0, 190),
      (c) => `${signCryptosignChallenge(laptop.privateKey, c).slice(0, 128)}zz${c.slice(2)}`,
      (c) => {
        const other = 'cd'.repeat(32);
        return signCryptosignChallenge(laptop.privateKey, other).slice(0, 128) + c; // a valid signature, of another message
      },
      () => signCryptosignChallenge(laptop.privateKey, 'cd'.repeat(32)), // self-consistent, but for another challenge
      () => '',
    ];
    for (const [index, forge] of forgeries.entries()) {
      const { connection, challenge } = await challengeFor(laptop.pubkey, 'laptop');
      assert.deepEqual(await answer(connection, forge(challenge)), failed, `forgery ${index}`);
    }
  });

  test('a signature recorded on one session is refused on another', async () => {
    const recorded = await challengeFor(laptop.pubkey, 'laptop');
    const signature = signCryptosignChallenge(laptop.privateKey, recorded.challenge);
    expectType(await answer(recorded.connection, signature), 'WELCOME');

    const replay = await challengeFor(laptop.pubkey, 'laptop');
    assert.notEqual(replay.challenge, recorded.challenge);
    assert.deepEqual(await answer(replay.connection, signature), failed, 'replayed as is');
    const spliced = await challengeFor(laptop.pubkey, 'laptop');
    assert.deepEqual(await answer(spliced.connection, signature.slice(0, 128) + spliced.challenge), failed, 'old signature with the new challenge');
  });

  test('a challenge state answers once and only for its own session', () => {
    const authenticator = new CryptosignAuthenticator({ principals: [{ authid: 'laptop', role: 'device', pubkey: laptop.pubkey }] });
    const request = (sessionId: number) => ({ realm: 'thoth', details: { authextra: { pubkey: laptop.pubkey } }, authid: undefined, sessionId, connection: { isLocal: false, remoteAddress: 'x', transport: 'memory' } });
    const outcome = authenticator.hello(request(1));
    assert.equal(outcome.kind, 'challenge');
    if (outcome.kind !== 'challenge') return;
    const message = { type: 'AUTHENTICATE' as const, signature: signCryptosignChallenge(laptop.privateKey, String(outcome.extra['challenge'])), extra: {} };
    assert.equal(authenticator.authenticate(request(2), outcome.state, message).kind, 'reject', 'another session');
    const again = authenticator.hello(request(3));
    if (again.kind !== 'challenge') throw new Error('expected a challenge');
    const answerFor3 = { ...message, signature: signCryptosignChallenge(laptop.privateKey, String(again.extra['challenge'])) };
    assert.equal(authenticator.authenticate(request(3), again.state, answerFor3).kind, 'welcome');
    assert.equal(authenticator.authenticate(request(3), again.state, answerFor3).kind, 'reject', 'used twice');
  });

  test('a HELLO without a usable pubkey is refused with a clear reason', async () => {
    for (const authextra of [undefined, {}, { pubkey: 'abc' }, { pubkey: 42 }]) {
      const { reply } = await hello(router, { authmethods: ['cryptosign'], authid: 'laptop', ...(authextra ? { authextra } : {}) });
      const abort = expectType(reply, 'ABORT');
      assert.equal(abort.reason, ErrorUri.authenticationFailed);
      assert.match(String(abort.details['message']), /authextra\.pubkey/);
    }
  });

  test('a requested TLS channel binding is answered with none (no TLS here) and plain signatures work', async () => {
    const { connection, challenge } = await challengeFor(laptop.pubkey, 'laptop', { channel_binding: 'tls-unique' });
    expectType(await answer(connection, signCryptosignChallenge(laptop.privateKey, challenge)), 'WELCOME');
  });

  test('bad or duplicate public keys are refused at construction', () => {
    assert.throws(() => new CryptosignAuthenticator({ principals: [{ authid: 'a', role: 'r', pubkey: 'zz' }] }), /"a": pubkey/);
    assert.throws(() => new CryptosignAuthenticator({ principals: [{ authid: 'a', role: 'r', pubkey: laptop.pubkey }, { authid: 'b', role: 'r', pubkey: laptop.pubkey.toUpperCase() }] }), /twice/);
  });
});
