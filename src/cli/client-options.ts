import { readFile, stat } from 'node:fs/promises';
import { defaultDataDir, ownerSocketPath } from '../common/paths.js';
import { Option, type Command } from 'commander';
import { RemoteError, connect, cryptosignAuth, ticketAuth, type AuthOptions, type Session, type TlsClientOptions } from '../client/index.js';
import { fingerprintFormat, normalizeFingerprint } from '../transport/tls-fingerprint.js';
import { CliError } from './errors.js';
import { readCaFile } from './tls-files.js';

export const defaultRouterUrl = 'ws://127.0.0.1:8080/ws';

/** The owner socket of a router using this machine's data dir (THOTH_DATA_DIR or the default), if there is one. */
async function existingOwnerSocket(): Promise<string | undefined> {
  const path = ownerSocketPath(process.env['THOTH_DATA_DIR'] || defaultDataDir());
  return (await stat(path).catch(() => undefined))?.isSocket() ? path : undefined;
}

export interface ClientFlags {
  url: string;
  realm: string;
  serializer: 'json' | 'msgpack';
  timeout?: number;
  authid?: string;
  ticketFile?: string;
  key?: string;
  tlsFingerprint?: string;
  tlsCa?: string;
}

/** The flags every client command shares: where the router is, how to speak to it, who we are. */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'router URL: ws://, wss://, tcp://, tls:// or unix://').default(defaultRouterUrl).env('THOTH_URL'))
    .addOption(new Option('--realm <realm>', 'realm to join').default('thoth').env('THOTH_REALM'))
    .addOption(new Option('--serializer <name>', 'wire serializer').choices(['json', 'msgpack']).default('json'))
    .addOption(new Option('--authid <id>', 'who to authenticate as (with --ticket-file or --key)').env('THOTH_AUTHID'))
    .addOption(new Option('--ticket-file <path>', 'ticket authentication with the secret in this file').env('THOTH_TICKET_FILE').conflicts('key'))
    .addOption(new Option('--key <path>', 'cryptosign authentication with this Ed25519 private key file (PEM or hex)').env('THOTH_KEY'))
    .addOption(new Option('--tls-fingerprint <sha256>', "wss:// and tls://: accept only the router certificate with this SHA-256 fingerprint (the router logs it at start)").env('THOTH_TLS_FINGERPRINT').conflicts('tlsCa'))
    .addOption(new Option('--tls-ca <path>', 'wss:// and tls://: also trust the CA certificate(s) in this PEM file').env('THOTH_TLS_CA'));
}

/** The tls connect option the flags ask for; undefined without TLS flags. */
export async function clientTls(flags: Pick<ClientFlags, 'url' | 'tlsFingerprint' | 'tlsCa'>): Promise<TlsClientOptions | undefined> {
  if (flags.tlsFingerprint === undefined && flags.tlsCa === undefined) return undefined;
  if (!/^(wss|tls):/i.test(flags.url)) {
    throw new CliError(`--tls-fingerprint and --tls-ca (THOTH_TLS_FINGERPRINT, THOTH_TLS_CA) are for wss:// and tls:// URLs, not ${flags.url}`);
  }
  if (flags.tlsFingerprint !== undefined) {
    if (normalizeFingerprint(flags.tlsFingerprint) === undefined) throw new CliError(`--tls-fingerprint must be ${fingerprintFormat}, got "${flags.tlsFingerprint}"`);
    return { fingerprint: flags.tlsFingerprint };
  }
  return { ca: await readCaFile('--tls-ca', flags.tlsCa!) };
}

/** The connect options for the authentication the flags ask for (none: anonymous). */
export async function clientAuth(flags: Pick<ClientFlags, 'authid' | 'ticketFile' | 'key'>): Promise<Partial<AuthOptions> & { authid?: string }> {
  const authid = flags.authid === undefined ? {} : { authid: flags.authid };
  if (flags.ticketFile !== undefined) {
    if (flags.authid === undefined) throw new CliError('--ticket-file needs --authid: the name the ticket belongs to');
    const secret = (await readSecretFile(flags.ticketFile, 'ticket')).replace(/\r?\n$/, '');
    if (secret.length === 0) throw new CliError(`the ticket file ${flags.ticketFile} is empty`);
    return { ...ticketAuth(secret), ...authid };
  }
  if (flags.key !== undefined) {
    const text = await readSecretFile(flags.key, 'key');
    try {
      return { ...cryptosignAuth(text), ...authid };
    } catch (error) {
      throw new CliError(`the key file ${flags.key} holds no usable key: ${(error as Error).message}`);
    }
  }
  return authid;
}

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError(`cannot read the ${what} file ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
}

/** Connect without reconnecting: a CLI command either reaches the router or says why not. */
export async function openSession(flags: ClientFlags): Promise<Session> {
  const auth = await clientAuth(flags);
  const tls = await clientTls(flags);
  const open = (url: string) => connect({ url, realm: flags.realm, serializer: flags.serializer, reconnect: false, connectTimeoutMs: 5000, ...auth, ...(tls && { tls }) });
  const ownerSocket = flags.url === defaultRouterUrl ? await existingOwnerSocket() : undefined;
  if (ownerSocket !== undefined) {
    // A router on this machine listening beyond loopback admits its owner anonymously only here.
    const session = await open(`unix://${ownerSocket}`).catch(() => undefined);
    if (session !== undefined) return session;
  }
  try {
    return await open(flags.url);
  } catch (error) {
    if (error instanceof RemoteError) throw new CliError(`the router at ${flags.url} refused the session: ${error.message}`);
    throw new CliError(`cannot reach the router at ${flags.url}: ${(error as Error).message}`);
  }
}
