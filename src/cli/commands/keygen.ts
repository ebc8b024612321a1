import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ed25519PublicKeyHex } from '../../client/auth.js';
import { hashSecret } from '../../router/auth/secrets.js';
import { CliError } from '../errors.js';

interface KeygenFlags {
  authid: string;
  role: string;
}

/** One YAML line for the router config, under the given principals list. */
export function principalLine(authid: string, role: string, field: 'secretHash' | 'pubkey', value: string): string {
  return `- { authid: ${JSON.stringify(authid)}, role: ${JSON.stringify(role)}, ${field}: ${JSON.stringify(value)} }`;
}

/** Write `text` to a new file only the owner can read; never replace an existing one. */
async function writePrivateFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CliError(code === 'EEXIST' ? `${path} already exists; not replacing it` : `cannot write ${path}: ${code ?? (cause as Error).message}`);
  }
}

/** A new Ed25519 key pair: the private key in `path` (PEM, mode 0600), the public key hex in `path.pub`. Returns the public key hex. */
export async function writeCryptosignKey(path: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pubkey = ed25519PublicKeyHex(privateKey);
  await writePrivateFile(path, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  await writeFile(`${path}.pub`, `${pubkey}\n`, { mode: 0o644 });
  return pubkey;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function withPrincipalOptions(command: Command): Command {
  return command
    .requiredOption('--authid <id>', 'the name the client authenticates as')
    .addOption(new Option('--role <role>', 'the role its sessions get (WELCOME.authrole)').default('user'));
}

function ticketCommand(): Command {
  return withPrincipalOptions(new Command('ticket').description('hash a ticket secret (read from stdin, or a new random one) for auth.ticket.principals'))
    .addOption(new Option('--stdin', 'read the secret from stdin instead of making one'))
    .addOption(new Option('--out <file>', 'write the new secret to this file (mode 0600) instead of printing it').conflicts('stdin'))
    .action(async (flags: KeygenFlags & { stdin?: boolean; out?: string }) => {
      const generated = flags.stdin !== true;
      const secret = generated ? randomBytes(24).toString('base64url') : await readStdin();
      if (secret.length === 0) throw new CliError('the secret read from stdin is empty');
      const hash = await hashSecret(secret);
      const lines: string[] = [];
      if (generated && flags.out !== undefined) {
        await writePrivateFile(flags.out, `${secret}\n`);
        lines.push(`# the secret is in ${flags.out}: the client uses it with --authid ${flags.authid} --ticket-file ${flags.out}`);
      } else if (generated) {
        lines.push(`# secret (shown once, stored nowhere; give it to the client): ${secret}`);
      }
      lines.push('# add under auth.ticket.principals in the router config:', principalLine(flags.authid, flags.role, 'secretHash', hash));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function cryptosignCommand(): Command {
  return withPrincipalOptions(new Command('cryptosign').description('make an Ed25519 key pair for cryptosign authentication'))
    .requiredOption('--out <file>', 'private key file to write (PEM, mode 0600); the public key goes to <file>.pub')
    .action(async (flags: KeygenFlags & { out: string }) => {
      const pubkey = await writeCryptosignKey(flags.out);
      process.stdout.write([
        pubkey,
        `# the client uses it with --authid ${flags.authid} --key ${flags.out}`,
        '# add under auth.cryptosign.principals in the router config:',
        principalLine(flags.authid, flags.role, 'pubkey', pubkey),
      ].join('\n') + '\n');
    });
}

export function keygenCommand(): Command {
  const command = new Command('keygen').description('make credentials: a hashed ticket secret, or a cryptosign key pair')
    .addCommand(ticketCommand())
    .addCommand(cryptosignCommand());
  for (const sub of command.commands) sub.exitOverride();
  return command;
}
