import { Command, Option } from 'commander';
import { openSession, type ClientFlags } from '../client-options.js';
import { CliError } from '../errors.js';
import { ago, renderTable } from '../table.js';

interface KeyRow {
  device: string;
  fingerprint: string;
  state: string;
  name: string;
  address: string;
  requested: string;
  last_seen: string;
}

/** The parent command's flags (connection, --json): commander parses them wherever they stand. */
type ParentFlags = () => ClientFlags & { json?: boolean };

export function keyTable(keys: readonly KeyRow[], now: number = Date.now()): string {
  const rows = keys.map((k) => [k.device, k.fingerprint, k.state, k.name || '-', k.address || '-', ago(k.requested, now), ago(k.last_seen, now)]);
  return renderTable(['DEVICE', 'FINGERPRINT', 'STATE', 'NAME', 'ADDRESS', 'ASKED', 'LAST SEEN'], rows);
}

async function callRouter(flags: ClientFlags, procedure: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<unknown> {
  const session = await openSession(flags);
  try {
    return (await session.call(procedure, args, kwargs)).value;
  } finally {
    await session.close();
  }
}

function pendingCommand(parent: ParentFlags): Command {
  return new Command('pending')
    .description('list the devices waiting for approval, with their key fingerprints (--all: every key the router knows)')
    .addOption(new Option('--all', 'also approved and revoked keys'))
    .action(async ({ all }: { all?: boolean }) => {
      const flags = parent();
      const keys = await callRouter(flags, 'thoth.device.keys', [], all ? {} : { state: 'pending' });
      if (!Array.isArray(keys)) throw new CliError('thoth.device.keys did not answer with a list');
      const empty = all ? 'no device keys\n' : 'no devices waiting for approval\n';
      process.stdout.write(flags.json ? `${JSON.stringify(keys, null, 2)}\n` : keys.length === 0 ? empty : `${keyTable(keys as KeyRow[])}\n`);
    });
}

function decisionCommand(parent: ParentFlags, name: 'approve' | 'revoke', description: string): Command {
  return new Command(name).description(description).argument('<device>', 'the device id (as `thoth devices pending` lists it)')
    .action(async (device: string) => {
      const key = (await callRouter(parent(), `thoth.device.${name}`, [device])) as Partial<KeyRow>;
      process.stdout.write(`${key.device ?? device} ${key.state ?? name} (key fingerprint ${key.fingerprint ?? '?'})\n`);
    });
}

/** `thoth devices pending|approve|revoke`: device pairing (docs/security.md), with the connection flags of `thoth devices`. */
export function deviceKeyCommands(parent: ParentFlags): Command[] {
  return [
    pendingCommand(parent),
    decisionCommand(parent, 'approve', 'let a device join with its key (compare the fingerprint with what its agent prints first)'),
    decisionCommand(parent, 'revoke', 'shut a device out: its sessions end at once, its calls in flight fail, and it cannot join again unless approved'),
  ];
}
