import { Command, Option } from 'commander';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { parseArgValue, parseInteger, parseKwargs } from '../parse-values.js';
import { printResult } from '../output.js';
import { CliError } from '../errors.js';

interface CallFlags extends ClientFlags {
  kwargs?: string;
  timeout?: number;
  progress?: boolean;
  device?: string;
  select?: string;
}

/** `kind=speaker,room=living` -> { kind: 'speaker', room: 'living' }. */
export function parseSelector(text: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new CliError(`--select: expected key=value[,key=value...], got "${text}"`, 2);
    selector[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (Object.keys(selector).length === 0) throw new CliError('--select: give at least one key=value, e.g. kind=speaker', 2);
  return selector;
}

export function callCommand(): Command {
  const command = new Command('call')
    .description('call a procedure and print its result as JSON (each argument is JSON, or a plain string)')
    .argument('<procedure>', 'procedure URI, e.g. com.example.add')
    .argument('[args...]', 'positional arguments')
    .addOption(new Option('--kwargs <json>', 'keyword arguments as a JSON object'))
    .addOption(new Option('--timeout <ms>', 'fail the call after this many milliseconds').argParser(parseInteger('--timeout', 1, 2 ** 31 - 1)))
    .addOption(new Option('--progress', 'print progressive results as they arrive'))
    .addOption(new Option('--device <device>', 'run the call on this device (id or name)'))
    .addOption(new Option('--select <selector>', 'run the call on a device matching kind=<modality kind> and tags, e.g. kind=speaker,room=living'));
  return addClientOptions(command).action(async (procedure: string, args: string[], flags: CallFlags) => {
    const kwargs = parseKwargs(flags.kwargs);
    const select = flags.select === undefined ? undefined : parseSelector(flags.select);
    const session = await openSession(flags);
    try {
      const result = await session.call(procedure, args.map(parseArgValue), kwargs, {
        timeoutMs: flags.timeout,
        onProgress: flags.progress ? (progress) => printResult(progress) : undefined,
        device: flags.device,
        select,
      });
      printResult(result);
    } finally {
      await session.close();
    }
  });
}
