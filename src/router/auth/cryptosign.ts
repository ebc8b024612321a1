import { randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Authenticate, Dict } from '../../protocol/messages.js';
import { ErrorUri } from '../../protocol/error-uris.js';
import type { AuthOutcome, Authenticator, JoinRequest } from '../auth.js';
import { authenticationFailed } from './ticket.js';
import { cryptosignMessage } from '../../common/cryptosign-message.js';
import { publicKeyFromRaw } from '../../common/ed25519.js';

/** A cryptosign principal as configured: who holds the private key of `pubkey`. */
export interface CryptosignPrincipal {
  authid: string;
  role: string;
  /** The raw 32-byte Ed25519 public key, hex. */
  pubkey: string;
}

/**
 * Decides about a key no configured principal has (device pairing), once the
 * signature proved that the client holds its private key.
 */
export interface DeviceKeyPolicy {
  admit(pubkey: string, authid: string | undefined, request: JoinRequest): AuthOutcome;
}

export interface CryptosignOptions {
  principals: readonly CryptosignPrincipal[];
  /** Keys no principal has; without it they fail like a wrong signature. */
  devices?: DeviceKeyPolicy;
  /** Source of challenge bytes. Default node:crypto randomBytes. */
  randomBytes?: (size: number) => Buffer;
}

interface CryptosignState {
  pubkey: string;
  authid: string | undefined;
  /** What the signature must cover: the challenge, or challenge XOR channel id. */
  message: Buffer;
  sessionId: number;
  used: boolean;
}

const challengeBytes = 32;
const signatureBytes = 64;
const hex32 = /^[0-9a-fA-F]{64}$/;

/** An Ed25519 public key object from its raw 32 bytes in hex; throws TypeError when it is not one. */
export function ed25519PublicKeyFromHex(pubkey: string): KeyObject {
  if (!hex32.test(pubkey)) throw new TypeError('an Ed25519 public key is 64 hex characters (32 bytes)');
  return publicKeyFromRaw(Buffer.from(pubkey, 'hex'));
}

function hexBytes(text: string): Buffer | undefined {
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/**
 * WAMP-Cryptosign client authentication (Ed25519 challenge-response). The router
 * sends 32 random bytes; the client answers signature || challenge (96 bytes,
 * hex); a bare 64-byte signature is accepted too. A challenge is used once and
 * only by the session it was sent to. Channel binding: when the client asks for
 * 'tls-exporter' and the connection has that channel id (TLS 1.3), the signature
 * must cover challenge XOR channel id and CHALLENGE.Extra.channel_binding says
 * 'tls-exporter'; otherwise (no TLS, TLS 1.2, 'tls-unique') it is null and a
 * client that asked for binding decides whether to go on. An unknown key is
 * challenged like a known one and fails at the end with the same answer.
 */
export class CryptosignAuthenticator implements Authenticator {
  readonly method = 'cryptosign';
  private readonly byKey = new Map<string, { authid: string; role: string; key: KeyObject }>();
  private readonly random: (size: number) => Buffer;
  private readonly devices: DeviceKeyPolicy | undefined;

  constructor(options: CryptosignOptions) {
    for (const principal of options.principals) {
      let key: KeyObject;
      try {
        key = ed25519PublicKeyFromHex(principal.pubkey);
      } catch (cause) {
        throw new TypeError(`cryptosign principal "${principal.authid}": pubkey: ${(cause as Error).message}`, { cause });
      }
      const id = principal.pubkey.toLowerCase();
      if (this.byKey.has(id)) throw new TypeError(`cryptosign principal "${principal.authid}": pubkey ${id} is listed twice`);
      this.byKey.set(id, { authid: principal.authid, role: principal.role, key });
    }
    this.random = options.randomBytes ?? randomBytes;
    this.devices = options.devices;
  }

  hello(request: JoinRequest): AuthOutcome {
    const authextra = request.details['authextra'];
    const pubkey = authextra !== null && typeof authextra === 'object' ? (authextra as Dict)['pubkey'] : undefined;
    if (typeof pubkey !== 'string' || !hex32.test(pubkey)) {
      return { kind: 'reject', reason: ErrorUri.authenticationFailed, message: 'cryptosign needs HELLO.Details.authextra.pubkey: the 32-byte Ed25519 public key in hex' };
    }
    const requested = (authextra as Dict)['channel_binding'] ?? null;
    if (requested !== null && requested !== 'tls-exporter' && requested !== 'tls-unique') {
      return { kind: 'reject', reason: ErrorUri.authenticationFailed, message: "HELLO.Details.authextra.channel_binding must be 'tls-exporter' or 'tls-unique' when given" };
    }
    const channel = request.connection.channelBinding;
    // tls-unique is not available from node, nor over TLS 1.3: answered without binding, the client decides.
    const bound = requested === 'tls-exporter' && channel?.type === 'tls-exporter' ? channel.value : undefined;
    const challenge = this.random(challengeBytes);
    const state: CryptosignState = { pubkey: pubkey.toLowerCase(), authid: request.authid, message: cryptosignMessage(challenge, bound), sessionId: request.sessionId, used: false };
    return { kind: 'challenge', method: this.method, extra: { challenge: challenge.toString('hex'), channel_binding: bound === undefined ? null : 'tls-exporter' }, state };
  }

  authenticate(request: JoinRequest, state: unknown, message: Authenticate): AuthOutcome {
    const sign = state as CryptosignState;
    if (sign.used || sign.sessionId !== request.sessionId) return authenticationFailed;
    sign.used = true;
    const bytes = hexBytes(message.signature);
    if (bytes === undefined || (bytes.length !== signatureBytes && bytes.length !== signatureBytes + challengeBytes)) return authenticationFailed;
    const signature = bytes.subarray(0, signatureBytes);
    const signed = bytes.subarray(signatureBytes);
    if (signed.length > 0 && !timingSafeEqual(signed, sign.message)) return authenticationFailed;
    const principal = this.byKey.get(sign.pubkey);
    if (principal === undefined) return this.unknownKey(sign, signature, request);
    if (sign.authid !== undefined && sign.authid !== principal.authid) return authenticationFailed;
    if (!verify(null, sign.message, principal.key, signature)) return authenticationFailed;
    return { kind: 'welcome', identity: { authid: principal.authid, authrole: principal.role, authmethod: this.method, authprovider: 'static' } };
  }

  private unknownKey(sign: CryptosignState, signature: Buffer, request: JoinRequest): AuthOutcome {
    if (this.devices === undefined) return authenticationFailed;
    if (!verify(null, sign.message, ed25519PublicKeyFromHex(sign.pubkey), signature)) return authenticationFailed;
    return this.devices.admit(sign.pubkey, sign.authid, request);
  }
}
