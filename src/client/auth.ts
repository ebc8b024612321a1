import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Dict } from '../protocol/messages.js';
import type { ChallengeHandler } from './options.js';
import { cryptosignMessage } from '../common/cryptosign-message.js';
import { rawPublicKey } from '../common/ed25519.js';

/** Connect options for one authentication method: spread them into connect(). */
export interface AuthOptions {
  authmethods: string[];
  authextra?: Dict;
  onChallenge: ChallengeHandler;
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it. */
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * WAMP ticket authentication: answers the router's ticket CHALLENGE with
 * `secret`. Give the authid alongside: connect({ url, authid: 'alice', ...ticketAuth(secret) }).
 * The secret travels as is: use it over TLS or loopback only.
 */
export function ticketAuth(secret: string): AuthOptions {
  if (secret.length === 0) throw new TypeError('ticketAuth: the secret must not be empty');
  return {
    authmethods: ['ticket'],
    onChallenge: (method) => {
      if (method !== 'ticket') throw new Error(`ticketAuth cannot answer a '${method}' challenge`);
      return secret;
    },
  };
}

/**
 * An Ed25519 private key from a KeyObject, a PEM (PKCS#8) text, or hex: the
 * 32-byte seed, or 64 bytes seed || public key as libsodium stores it.
 */
export function loadEd25519PrivateKey(key: string | KeyObject): KeyObject {
  let object: KeyObject;
  if (typeof key !== 'string') {
    object = key;
  } else {
    const text = key.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text) || /^[0-9a-fA-F]{128}$/.test(text)) {
      const seed = Buffer.from(text.slice(0, 64), 'hex');
      object = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, seed]), format: 'der', type: 'pkcs8' });
      if (text.length === 128 && ed25519PublicKeyHex(object) !== text.slice(64).toLowerCase()) {
        throw new TypeError('the 64-byte hex key is not seed || public key of one Ed25519 key pair');
      }
    } else if (text.includes('-----BEGIN')) {
      object = createPrivateKey(text);
    } else {
      throw new TypeError('an Ed25519 private key must be PEM (PKCS#8) or hex (32-byte seed, or 64 bytes seed || public key)');
    }
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 private key');
  return object;
}

/** The raw 32-byte public key of an Ed25519 private key, hex: what the router config lists as pubkey. */
export function ed25519PublicKeyHex(privateKey: KeyObject): string {
  return rawPublicKey(privateKey).toString('hex');
}

/**
 * The cryptosign AUTHENTICATE signature: the Ed25519 signature of the message,
 * then the message (96 bytes, hex). The message is the challenge, or with TLS
 * channel binding `challenge XOR channel_id`.
 */
export function signCryptosignChallenge(privateKey: KeyObject, challengeHex: string, channelId?: Uint8Array): string {
  if (!/^[0-9a-fA-F]{64}$/.test(challengeHex)) throw new Error('CHALLENGE.Extra.challenge must be 32 bytes in hex');
  const message = cryptosignMessage(Buffer.from(challengeHex, 'hex'), channelId);
  return Buffer.concat([sign(null, message, privateKey), message]).toString('hex');
}

export interface CryptosignAuthOptions {
  /**
   * Ask for TLS channel binding ('tls-exporter', RFC 9266, over TLS 1.3): the
   * signature then covers this connection's channel id, so it is worthless on any
   * other connection, a relaying man in the middle's included. The router must
   * agree, else the handshake is refused. Default: none.
   */
  channelBinding?: 'tls-exporter';
}

/**
 * WAMP-Cryptosign authentication with an Ed25519 private key (PEM, hex or
 * KeyObject): announces its public key in HELLO and signs the router's
 * challenge. connect({ url, authid: 'laptop', ...cryptosignAuth(pem) }).
 * A router that answers with a channel binding other than the one asked for is refused.
 */
export function cryptosignAuth(privateKey: string | KeyObject, options: CryptosignAuthOptions = {}): AuthOptions & { authextra: { pubkey: string } } {
  const key = loadEd25519PrivateKey(privateKey);
  const wanted = options.channelBinding;
  return {
    authmethods: ['cryptosign'],
    authextra: { pubkey: ed25519PublicKeyHex(key), ...(wanted === undefined ? {} : { channel_binding: wanted }) },
    onChallenge: (method, extra, context) => {
      if (method !== 'cryptosign') throw new Error(`cryptosignAuth cannot answer a '${method}' challenge`);
      const binding = extra['channel_binding'] ?? undefined;
      if (binding !== wanted) {
        throw new Error(wanted === undefined
          ? `the router asked for channel binding '${String(binding)}', which this client did not request`
          : `this client asked for channel binding '${wanted}' and the router answered ${binding === undefined ? 'without one' : `'${String(binding)}'`}`);
      }
      const challenge = extra['challenge'];
      if (typeof challenge !== 'string') throw new Error('CHALLENGE.Extra.challenge is missing');
      if (wanted === undefined) return signCryptosignChallenge(key, challenge);
      const channel = context?.channelBinding;
      if (channel === undefined || channel.type !== wanted) throw new Error(`channel binding '${wanted}' needs a TLS 1.3 connection (wss:// or tls://)`);
      return signCryptosignChallenge(key, challenge, channel.value);
    },
  };
}
