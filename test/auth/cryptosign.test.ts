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

// The same keys and challenges with the spec's channel id: the signature covers challenge XOR channel_id.
const specChannelId = Buffer.from('62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff', 'hex');
const specBoundSignatures = [
  '9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec93f3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6fd80d00',
  '305aaa3ac25e98f651427688b3fc43fe7d8a68a7ec1d7d61c61517c519bd4a427c3015599d83ca28b4c652333920223844ef0725eb5dc2febfd6af7677b73f01d0852a29b460fc92ec943242ac638a053bbacc200512b18b30d15083cbdc9282',
  'ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e31602a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202f2902d',
];

describe('cryptosign signatures', () => {
  for (const [index, vector] of specVectors.entries()) {
    test(`spec test vector ${index + 1}`, () => {
      assert.equal(signCryptosignChallenge(loadEd25519PrivateKey(vector.privateKey), vector.challenge), vector.signature);
    });
    test(`spec test vector ${index + 4} (channel binding)`, () => {
      assert.equal(signCryptosignChallenge(loadEd25519PrivateKey(vector.privateKey), vector.challenge, specChannelId), specBoundSignatures[index]);
    });
  }

  test('a client that asked for channel binding refuses a challenge without it, and needs a TLS 1.3 channel id', () => {
    const { privateKey } = newKeyPair();
    const auth = cryptosignAuth(privateKey, { channelBinding: 'tls-exporter' });
    assert.equal(auth.authextra['channel_binding' as 'pubkey'], 'tls-exporter');
    const challenge = 'ab'.repeat(32);
    assert.throws(() => auth.onChallenge('cryptosign', { challenge, channel_binding: null }, { channelBinding: undefined }), /asked for channel binding 'tls-exporter' and the router answered without one/);
    assert.throws(() => auth.onChallenge('cryptosign', { challenge, channel_binding: 'tls-exporter' }, { channelBinding: undefined }), /needs a TLS 1\.3 connection/);
    const signed = auth.onChallenge('cryptosign', { challenge, channel_binding: 'tls-exporter' }, { channelBinding: { type: 'tls-exporter', value: specChannelId } });
    assert.equal(signed, signCryptosignChallenge(privateKey, challenge, specChannelId));
  });

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

  test('a requested TLS channel binding is answered with none when the connection has no channel id (no TLS here)', async () => {
    const { connection, challenge } = await challengeFor(laptop.pubkey, 'laptop', { channel_binding: 'tls-unique' });
    expectType(await answer(connection, signCryptosignChallenge(laptop.privateKey, challenge)), 'WELCOME');
  });

  test('with tls-exporter binding, only a signature over challenge XOR this connection\'s channel id is welcomed', async () => {
    const channelId = Buffer.alloc(32, 0x5a);
    const otherChannel = Buffer.alloc(32, 0xa5);
    const attempt = async (sign: (challenge: string) => string): Promise<string> => {
      const { connection, reply } = await hello(router, { authmethods: ['cryptosign'], authid: 'laptop', authextra: { pubkey: laptop.pubkey, channel_binding: 'tls-exporter' } }, { channelId });
      const challenge = expectType(reply, 'CHALLENGE');
      assert.equal(challenge.extra['channel_binding'], 'tls-exporter');
      return (await answer(connection, sign(String(challenge.extra['challenge'])))).type;
    };
    assert.equal(await attempt((c) => signCryptosignChallenge(laptop.privateKey, c, channelId)), 'WELCOME');
    assert.equal(await attempt((c) => signCryptosignChallenge(laptop.privateKey, c)), 'ABORT', 'unbound');
    assert.equal(await attempt((c) => signCryptosignChallenge(laptop.privateKey, c, otherChannel)), 'ABORT', 'bound to another connection');
  });

  test('an unknown channel binding type is refused with a clear reason', async () => {
    const { reply } = await hello(router, { authmethods: ['cryptosign'], authextra: { pubkey: laptop.pubkey, channel_binding: 'tls-server-end-point' } });
    assert.match(String(expectType(reply, 'ABORT').details['message']), /channel_binding must be 'tls-exporter' or 'tls-unique'/);
  });

  test('bad or duplicate public keys are refused at construction', () => {
    assert.throws(() => new CryptosignAuthenticator({ principals: [{ authid: 'a', role: 'r', pubkey: 'zz' }] }), /"a": pubkey/);
    assert.throws(() => new CryptosignAuthenticator({ principals: [{ authid: 'a', role: 'r', pubkey: laptop.pubkey }, { authid: 'b', role: 'r', pubkey: laptop.pubkey.toUpperCase() }] }), /twice/);
  });
});
