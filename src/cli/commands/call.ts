import { Command, Option } from 'commander';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { parseArgValue, parseInteger, parseKwargs } from '../parse-values.js';
import { printResult } from '../output.js';

interface CallFlags extends ClientFlags {
  kwargs?: string;
  timeout?: number;
  progress?: boolean;
}

export function callCommand(): Command {
  const command = new Command('call')
    .description('call a procedure and print its result as JSON (each argument is JSON, or a plain string)')
    .argument('<procedure>', 'procedure URI, e.g. com.example.add')
    .argument('[args...]', 'positional arguments')
    .addOption(new Option('--kwargs <json>', 'keyword arguments as a JSON object'))
    .addOption(new Option('--timeout <ms>', 'fail the call after this many milliseconds').argParser(parseInteger('--timeout', 1, 2 ** 31 - 1)))
    .addOption(new Option('--progress', 'print progressive results as they arrive'));
  return addClientOptions(command).action(async (procedure: string, args: string[], flags: CallFlags) => {
    const kwargs = parseKwargs(flags.kwargs);
    const session = await openSession(flags);
    try {
      const result = await session.call(procedure, args.map(parseArgValue), kwargs, {
        timeoutMs: flags.timeout,
        onProgress: flags.progress ? (progress) => printResult(progress) : undefined,
      });
      printResult(result);
    } finally {
      await session.close();
    }
  });
}
