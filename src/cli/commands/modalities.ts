import { Command, Option } from 'commander';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { CliError } from '../errors.js';
import { renderTable } from '../table.js';

interface ModalitiesFlags extends ClientFlags {
  json?: boolean;
  device?: string;
  kind?: string;
  status?: 'live' | 'gone';
  all?: boolean;
}

/** The fields of a modality record the table shows (docs/mesh.md). */
export interface ModalityRow {
  id: number;
  device: string;
  kind: string;
  name: string;
  status: string;
  procedures?: string[];
}

export function modalityTable(modalities: readonly ModalityRow[], deviceNames: ReadonlyMap<string, string>): string {
  const rows = modalities.map((m) => [
    String(m.id),
    deviceNames.get(m.device) ?? m.device,
    m.kind,
    m.name,
    m.status,
    (m.procedures ?? []).join(',') || '-',
  ]);
  return renderTable(['ID', 'DEVICE', 'KIND', 'NAME', 'STATUS', 'PROCEDURES'], rows);
}

export function modalitiesCommand(): Command {
  const command = new Command('modalities')
    .description('list modalities (live by default): id, device, kind, name, status and the procedures each provides')
    .addOption(new Option('--device <device>', 'only this device (id or name)'))
    .addOption(new Option('--kind <kind>', 'only modalities of this kind'))
    .addOption(new Option('--status <status>', 'live or gone (default live)').choices(['live', 'gone']))
    .addOption(new Option('--all', 'live and gone'))
    .addOption(new Option('--json', 'print the modality records as JSON'));
  return addClientOptions(command).action(async (flags: ModalitiesFlags) => {
    const filter: Record<string, unknown> = {};
    if (flags.device !== undefined) filter['device'] = flags.device;
    if (flags.kind !== undefined) filter['kind'] = flags.kind;
    if (!flags.all) filter['status'] = flags.status ?? 'live';
    const session = await openSession(flags);
    try {
      const modalities = (await session.call('thoth.modality.list', [], filter)).value;
      if (!Array.isArray(modalities)) throw new CliError('thoth.modality.list did not answer with a list');
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(modalities, null, 2)}\n`);
        return;
      }
      if (modalities.length === 0) {
        process.stdout.write('no modalities\n');
        return;
      }
      const devices = (await session.call('thoth.device.list', [], {})).value;
      const names = new Map<string, string>();
      if (Array.isArray(devices)) for (const d of devices as { id: string; name: string }[]) names.set(d.id, d.name);
      process.stdout.write(`${modalityTable(modalities as ModalityRow[], names)}\n`);
    } finally {
      await session.close();
    }
  });
}
