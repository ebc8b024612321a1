import { Command, Option } from 'commander';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { CliError } from '../errors.js';
import { deviceKeyCommands } from './device-keys.js';
import { ago, renderTable } from '../table.js';


interface DevicesFlags extends ClientFlags {
  json?: boolean;
  status?: 'online' | 'offline' | 'draining';
  kind?: string;
  tag?: string[];
}

/** The fields of a device record the table shows (docs/mesh.md). */
export interface DeviceRow {
  id: string;
  name: string;
  status: string;
  platform?: string;
  arch?: string;
  interfaces?: { name: string; mac: string; addresses: string[] }[];
  tags?: Record<string, string>;
  last_seen?: string;
  modalities?: { kind: string; status?: string }[];
}

export function deviceTable(devices: readonly DeviceRow[], now: number = Date.now()): string {
  const rows = devices.map((d) => [
    d.name,
    d.id,
    d.status,
    [d.platform, d.arch].filter((s) => s !== undefined && s !== '').join('/') || '-',
    (d.interfaces ?? []).flatMap((i) => i.addresses).filter((a) => !a.startsWith('fe80:')).join(',') || '-',
    Object.entries(d.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '-',
    ago(d.last_seen, now),
    [...new Set((d.modalities ?? []).map((m) => m.kind))].sort().join(',') || '-',
  ]);
  return renderTable(['NAME', 'ID', 'STATUS', 'PLATFORM', 'IPS', 'TAGS', 'LAST SEEN', 'MODALITIES'], rows);
}

function tagsOf(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--tag: expected key=value, got "${pair}"`, 2);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return tags;
}

export function devicesCommand(): Command {
  const command = new Command('devices')
    .description('list the devices the router knows: name, id, status, platform, IPs, tags, last seen, modalities')
    .addOption(new Option('--json', 'print the device records as JSON'))
    .addOption(new Option('--status <status>', 'only devices with this status').choices(['online', 'offline', 'draining']))
    .addOption(new Option('--kind <kind>', 'only devices with a live modality of this kind'))
    .addOption(new Option('--tag <key=value...>', 'only devices with these tags'));
  for (const sub of deviceKeyCommands(() => command.opts<DevicesFlags>())) command.addCommand(sub);
  return addClientOptions(command).action(async (flags: DevicesFlags) => {
    const filter: Record<string, unknown> = {};
    if (flags.status !== undefined) filter['status'] = flags.status;
    if (flags.kind !== undefined) filter['kind'] = flags.kind;
    const tags = tagsOf(flags.tag);
    if (tags !== undefined) filter['tags'] = tags;
    const session = await openSession(flags);
    try {
      const devices = (await session.call('thoth.device.list', [], filter)).value;
      if (!Array.isArray(devices)) throw new CliError('thoth.device.list did not answer with a list');
      process.stdout.write(flags.json ? `${JSON.stringify(devices, null, 2)}\n` : devices.length === 0 ? 'no devices\n' : `${deviceTable(devices as DeviceRow[])}\n`);
    } finally {
      await session.close();
    }
  });
}
