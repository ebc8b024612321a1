import { createHash, diffieHellman, generateKeyPairSync, hkdfSync, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { publicKeyFromRaw, rawPublicKey } from '../../../common/ed25519.js';
import { CertificateError, MAX_CERTIFICATE_CHARS, type Membership } from './certificate.js';
import type { OverlayCredentials } from './credentials.js';

/**
 * The handshake that opens every connection of an authenticated overlay (SIGMA-style, like
 * Noise XX with signatures): fresh X25519 keys on both sides, each side signs the transcript
 * with its node key and shows a membership certificate from the common authority.
 *
 *   client -> server  hello   { eph_c }
 *   server -> client  welcome { eph_s, cert_s, sig_s = Sign(node key_s, "server" | eph_c | eph_s | H(cert_s)) }
 *   client -> server  auth    { cert_c, sig_c = Sign(node key_c, "client" | eph_c | eph_s | H(cert_s) | H(cert_c)) }
 *   server -> client  ready   (or refuse { reason } at any step)
 *
 * Both then derive one AES-256-GCM key per direction with HKDF-SHA256 from the X25519 secret,
 * salted with the hash of both ephemeral keys and both certificates, so a man in the middle
 * who swaps a certificate ends up with keys nobody shares and the first sealed frame fails.
 */

const bytes = (length: number) => z.custom<Uint8Array>((value) => value instanceof Uint8Array).refine((value) => value.length === length, `${length} bytes expected`);
const certificate = z.string().min(1).max(MAX_CERTIFICATE_CHARS);

export const helloSchema = z.strictObject({ t: z.literal('hello'), v: z.literal(1), eph: bytes(32) });
export const welcomeSchema = z.strictObject({ t: z.literal('welcome'), eph: bytes(32), cert: certificate, sig: bytes(64) });
export const authSchema = z.strictObject({ t: z.literal('auth'), cert: certificate, sig: bytes(64) });
export const readySchema = z.strictObject({ t: z.literal('ready') });
export type Hello = z.infer<typeof helloSchema>;
export type Welcome = z.infer<typeof welcomeSchema>;
export type Auth = z.infer<typeof authSchema>;

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  readonly code = 'DHT_HANDSHAKE';
}

export interface SessionKeys {
  readonly send: Buffer;
  readonly receive: Buffer;
}

export interface Authenticated {
  /** The peer's certificate, checked. */
  readonly peer: Membership;
  readonly keys: SessionKeys;
}

const SERVER_LABEL = Buffer.from('thoth-dht-handshake-v1 server\0');
const CLIENT_LABEL = Buffer.from('thoth-dht-handshake-v1 client\0');

export class ClientHandshake {
  private readonly ephemeral = newEphemeral();

  constructor(private readonly credentials: OverlayCredentials) {}

  hello(): Hello {
    return { t: 'hello', v: 1, eph: this.ephemeral.raw };
  }

  /** Check the server's answer; returns the auth message to send and the keys. Throws HandshakeError. */
  welcome(message: Welcome): { reply: Auth; result: Authenticated } {
    const ownCertificate = requireCertificate(this.credentials);
    const peer = checkPeer(this.credentials, message.cert);
    const server = serverBound(this.ephemeral.raw, message.eph, message.cert);
    if (!verify(null, Buffer.concat([SERVER_LABEL, server]), publicKeyFromRaw(peer.key), message.sig)) throw new HandshakeError('the node did not prove it holds the key of its certificate');
    const bound = Buffer.concat([server, digest(ownCertificate)]);
    const keys = deriveKeys(this.ephemeral, message.eph, bound, 'client');
    return { reply: { t: 'auth', cert: ownCertificate, sig: this.credentials.sign(Buffer.concat([CLIENT_LABEL, bound])) }, result: { peer, keys } };
  }
}

export class ServerHandshake {
  private readonly ephemeral = newEphemeral();
  private clientEphemeral: Buffer | undefined;
  /** What the server signed: both ephemeral keys and its certificate's hash. */
  private server: Buffer | undefined;

  constructor(private readonly credentials: OverlayCredentials) {}

  hello(message: Hello): Welcome {
    const ownCertificate = requireCertificate(this.credentials);
    this.clientEphemeral = Buffer.from(message.eph);
    this.server = serverBound(message.eph, this.ephemeral.raw, ownCertificate);
    return { t: 'welcome', eph: this.ephemeral.raw, cert: ownCertificate, sig: this.credentials.sign(Buffer.concat([SERVER_LABEL, this.server])) };
  }

  auth(message: Auth): Authenticated {
    if (this.clientEphemeral === undefined || this.server === undefined) throw new HandshakeError('auth before hello');
    const peer = checkPeer(this.credentials, message.cert);
    const bound = Buffer.concat([this.server, digest(message.cert)]);
    if (!verify(null, Buffer.concat([CLIENT_LABEL, bound]), publicKeyFromRaw(peer.key), message.sig)) throw new HandshakeError('the node did not prove it holds the key of its certificate');
    return { peer, keys: deriveKeys(this.ephemeral, this.clientEphemeral, bound, 'server') };
  }
}

/** eph_c | eph_s | H(cert_s): what the server signs; the client signs it followed by H(cert_c). */
function serverBound(clientEphemeral: Uint8Array, serverEphemeral: Uint8Array, serverCertificate: string): Buffer {
  return Buffer.concat([clientEphemeral, serverEphemeral, digest(serverCertificate)]);
}

interface Ephemeral {
  readonly privateKey: KeyObject;
  readonly raw: Buffer;
}

function newEphemeral(): Ephemeral {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, raw: rawPublicKey(privateKey) };
}

function requireCertificate(credentials: OverlayCredentials): string {
  const own = credentials.certificate;
  if (own === undefined) throw new HandshakeError('this node has no membership certificate yet (it has not announced itself to the router)');
  return own;
}

function checkPeer(credentials: OverlayCredentials, text: string): Membership {
  try {
    return credentials.verifyPeer(text);
  } catch (error) {
    if (error instanceof CertificateError) throw new HandshakeError(error.message);
    throw error;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `bound`: eph_c | eph_s | H(cert_s) | H(cert_c), the salt's input, so both certificates shape the keys. */
function deriveKeys(own: Ephemeral, peerEphemeral: Uint8Array, bound: Buffer, role: 'client' | 'server'): SessionKeys {
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey: own.privateKey, publicKey: publicKeyFromRaw(peerEphemeral, 'X25519') });
  } catch {
    throw new HandshakeError('the ephemeral key is not a usable X25519 key');
  }
  if (secret.every((byte) => byte === 0)) throw new HandshakeError('the ephemeral key is a low-order point');
  const salt = createHash('sha256').update(bound).digest();
  const key = (info: string) => Buffer.from(hkdfSync('sha256', secret, salt, info, 32));
  const clientToServer = key('thoth-dht client to server');
  const serverToClient = key('thoth-dht server to client');
  return role === 'client' ? { send: clientToServer, receive: serverToClient } : { send: serverToClient, receive: clientToServer };
}
