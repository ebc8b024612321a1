import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { TransportError } from './errors.js';
import { displayFingerprint } from './tls-fingerprint.js';

/** A listener's TLS certificate and private key, PEM. */
export interface TlsServerOptions {
  /** The certificate, optionally followed by its intermediates (PEM). */
  cert: string | Buffer;
  /** Its private key (PEM, unencrypted). */
  key: string | Buffer;
}

/** What is wrong with a certificate and key: which one, and why. */
export interface TlsCredentialProblem {
  part: 'cert' | 'key' | 'pair';
  reason: string;
}

/** Check that `cert` is a certificate, `key` a private key, and that they belong together. */
export function inspectTlsCredentials(cert: string | Buffer, key: string | Buffer): { fingerprint: string } | TlsCredentialProblem {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    return { part: 'cert', reason: `not a PEM certificate (${(error as Error).message})` };
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    return { part: 'key', reason: `not an unencrypted PEM private key (${(error as Error).message})` };
  }
  if (!certificate.checkPrivateKey(privateKey)) return { part: 'pair', reason: 'the private key does not match the certificate' };
  return { fingerprint: displayFingerprint(certificate.fingerprint256) };
}

/** Validate a listener's `tls` option; returns the certificate's fingerprint ('sha256:AB:...'). */
export function checkTlsServerOptions(where: string, tls: unknown): TlsServerOptions & { fingerprint: string } {
  const given = tls as Partial<TlsServerOptions> | null;
  const isPem = (value: unknown): value is string | Buffer => typeof value === 'string' || Buffer.isBuffer(value);
  if (typeof given !== 'object' || given === null || !isPem(given.cert) || !isPem(given.key)) {
    throw new TransportError('bad_options', `${where}: option 'tls' must be { cert, key } with PEM strings or Buffers`);
  }
  for (const key of Object.keys(given)) {
    if (key !== 'cert' && key !== 'key') throw new TransportError('bad_options', `${where}: unknown option 'tls.${key}' (known: cert, key)`);
  }
  const checked = inspectTlsCredentials(given.cert, given.key);
  if ('part' in checked) throw new TransportError('bad_options', `${where}: tls.${checked.part === 'pair' ? 'key' : checked.part}: ${checked.reason}`);
  return { cert: given.cert, key: given.key, fingerprint: checked.fingerprint };
}
