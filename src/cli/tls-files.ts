import { readFile } from 'node:fs/promises';
import type { TlsServerOptions } from '../transport/tls-server.js';
import { inspectTlsCredentials } from '../transport/tls-server.js';
import { CliError } from './errors.js';

/**
 * A listener's certificate and key, read from the files the config names and
 * checked to belong together. `where` is the config key ('websocket.tls').
 */
export async function readTlsFiles(where: string, files: { cert: string; key: string }): Promise<TlsServerOptions> {
  const cert = await readPem(`${where}.cert`, files.cert);
  const key = await readPem(`${where}.key`, files.key);
  const checked = inspectTlsCredentials(cert, key);
  if (!('part' in checked)) return { cert, key };
  if (checked.part === 'pair') throw new CliError(`${where}: the key file ${files.key} does not match the certificate file ${files.cert}`);
  const file = checked.part === 'cert' ? files.cert : files.key;
  throw new CliError(`${where}.${checked.part}: ${file} is ${checked.reason}`);
}

async function readPem(key: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new CliError(`${key}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
}

/** The PEM text of a CA file given to a client (--tls-ca); `what` names where the path came from. */
export async function readCaFile(what: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError(`${what}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`${what}: ${path} holds no PEM certificate`);
  return text;
}
