import { X509Certificate } from 'node:crypto';

/** What a fingerprint option must look like, for error messages. */
export const fingerprintFormat = 'a SHA-256 fingerprint: 64 hex digits, with or without colons, optionally after "sha256:"';

/**
 * The canonical form of a SHA-256 certificate fingerprint, as node's
 * X509Certificate.fingerprint256 writes it ('AB:CD:...'), or undefined when
 * `text` is not one. Accepts 'sha256:ab:cd...', 'ABCD...', any case.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/^sha256:/i, '').replaceAll(':', '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** 'sha256:AB:CD:...', the form thoth logs and accepts. */
export function displayFingerprint(canonical: string): string {
  return `sha256:${canonical}`;
}

/** The SHA-256 fingerprint of the first certificate in a PEM text (the leaf, in a chain file). */
export function certificateFingerprint(pem: string | Buffer): string {
  return new X509Certificate(pem).fingerprint256;
}
