import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity, rootCertificates, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { TransportError } from './errors.js';
import { checkOptionKeys } from './limits.js';
import { displayFingerprint, fingerprintFormat, normalizeFingerprint } from './tls-fingerprint.js';

/** How a client checks the router's certificate (wss://, tls://). */
export interface TlsClientOptions {
  /** CA certificates (PEM) to trust besides node's built-in list, e.g. a home CA. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * Pin the router's certificate: it is accepted if and only if its SHA-256
   * fingerprint is this one ('sha256:AB:CD:...', colons and case optional),
   * self-signed or not, whatever names and dates it carries.
   */
  fingerprint?: string;
  /** The name the certificate must carry (and the SNI sent). Default: the URL's host. */
  servername?: string;
  /** false: accept any certificate, unverified (tests only). Default true. */
  rejectUnauthorized?: boolean;
}

/** Resolved TLS settings of one connect. */
export interface TlsClientSettings {
  /** For tls.connect. It accepts any certificate: checkRouterCertificate judges it once the handshake is done. */
  connect: ConnectionOptions;
  /** The pinned fingerprint, canonical ('AB:CD:...'). */
  pin: string | undefined;
  /** Check the chain and the name (ignored with a pin). */
  verify: boolean;
  /** The name the certificate must carry. */
  name: string;
}

const optionKeys = ['ca', 'fingerprint', 'servername', 'rejectUnauthorized'] as const;

/** Validate `tls` options for a connect to `host`. Throws TransportError 'bad_options' naming the option. */
export function resolveTlsClient(where: string, tls: TlsClientOptions | undefined, host: string): TlsClientSettings {
  const given = tls ?? {};
  if (typeof given !== 'object' || given === null) throw new TransportError('bad_options', `${where}: option 'tls' must be an object`);
  checkOptionKeys(`${where} tls`, given, optionKeys);
  let pin: string | undefined;
  if (given.fingerprint !== undefined) {
    pin = typeof given.fingerprint === 'string' ? normalizeFingerprint(given.fingerprint) : undefined;
    if (pin === undefined) throw new TransportError('bad_options', `${where}: option 'tls.fingerprint' must be ${fingerprintFormat}`);
    if (given.ca !== undefined || given.rejectUnauthorized !== undefined) {
      throw new TransportError('bad_options', `${where}: option 'tls.fingerprint' pins the certificate, so 'tls.ca' and 'tls.rejectUnauthorized' would have no effect: give one or the other`);
    }
  }
  if (given.servername !== undefined && (typeof given.servername !== 'string' || given.servername === '')) {
    throw new TransportError('bad_options', `${where}: option 'tls.servername' must be a non-empty string`);
  }
  if (given.rejectUnauthorized !== undefined && typeof given.rejectUnauthorized !== 'boolean') {
    throw new TransportError('bad_options', `${where}: option 'tls.rejectUnauthorized' must be a boolean`);
  }
  const ca = given.ca === undefined ? undefined : checkCa(where, given.ca);
  const connect: ConnectionOptions = {
    rejectUnauthorized: false,
    // SNI carries host names only.
    servername: given.servername ?? (isIP(host) === 0 ? host : ''),
  };
  if (ca !== undefined) connect.ca = [...rootCertificates, ...ca];
  return { connect, pin, verify: given.rejectUnauthorized !== false, name: given.servername ?? host };
}

/** True for a PEM text (string or Buffer) whose first certificate parses. */
export function isPemCertificate(value: string | Buffer): boolean {
  try {
    new X509Certificate(value);
    return true;
  } catch {
    return false;
  }
}

function checkCa(where: string, ca: unknown): (string | Buffer)[] {
  const list: unknown[] = Array.isArray(ca) ? ca : [ca];
  return list.map((item, index) => {
    const name = Array.isArray(ca) ? `tls.ca.${index}` : 'tls.ca';
    if (typeof item !== 'string' && !Buffer.isBuffer(item)) throw new TransportError('bad_options', `${where}: option '${name}' must be a PEM string or Buffer`);
    try {
      new X509Certificate(item);
    } catch (error) {
      throw new TransportError('bad_options', `${where}: option '${name}' is not a PEM certificate (${(error as Error).message})`);
    }
    return item;
  });
}

const verifyErrorText: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not trusted',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
};

const untrustedIssuer = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

/** Judge the router's certificate once the TLS handshake is done: undefined when accepted, else why not. */
export function checkRouterCertificate(socket: TLSSocket, settings: TlsClientSettings, url: string): TransportError | undefined {
  const certificate = socket.getPeerCertificate();
  // An empty object when the router sent none.
  const presented = typeof certificate.fingerprint256 === 'string' ? displayFingerprint(certificate.fingerprint256) : 'no certificate';
  if (settings.pin !== undefined) {
    if (certificate.fingerprint256 === settings.pin) return undefined;
    return new TransportError('tls_failed', `the router's certificate does not match the pinned fingerprint: expected ${displayFingerprint(settings.pin)}, got ${presented}`, { url });
  }
  if (!settings.verify || socket.authorized) return undefined;
  const code = String(socket.authorizationError);
  const why = code === 'ERR_TLS_CERT_ALTNAME_INVALID'
    ? checkServerIdentity(settings.name, certificate)?.message ?? `it is not issued for ${settings.name}`
    : verifyErrorText[code] ?? 'it could not be verified';
  const hint = untrustedIssuer.has(code)
    ? ': pin it (tls.fingerprint; compare with the "tls fingerprint" line the router logs at start) or trust its CA (tls.ca)'
    : '';
  return new TransportError('tls_failed', `the router's certificate (${presented}) was refused: ${why} (${code})${hint}`, { url });
}

/** A failure between the TCP connect and the end of the TLS handshake. */
export function tlsHandshakeFailed(error: Error, url: string): TransportError {
  return new TransportError('tls_failed', `TLS handshake failed: ${error.message} (is this a TLS listener? wss:// and tls:// need one)`, { url, cause: error });
}
