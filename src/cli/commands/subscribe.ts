import { Command, Option } from 'commander';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { parseInteger } from '../parse-values.js';

interface SubscribeFlags extends ClientFlags {
  match: 'exact' | 'prefix' | 'wildcard';
  count?: number;
}

export function subscribeCommand(): Command {
  const command = new Command('subscribe')
    .description('print every event on a topic as one JSON line, until interrupted')
    .argument('<topic>', 'topic URI (or pattern, with --match)')
    .addOption(new Option('--match <policy>', 'topic matching').choices(['exact', 'prefix', 'wildcard']).default('exact'))
    .addOption(new Option('--count <n>', 'exit after this many events').argParser(parseInteger('--count', 1, 2 ** 31 - 1)));
  return addClientOptions(command).action(async (topic: string, flags: SubscribeFlags) => {
    const session = await openSession(flags);
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      session.on('close', stop);
      session
        .subscribe(
          topic,
          (args, kwargs, details) => {
            process.stdout.write(`${JSON.stringify({ topic: details.topic ?? topic, args, kwargs })}\n`);
            seen += 1;
            if (flags.count !== undefined && seen >= flags.count) stop();
          },
          { match: flags.match },
        )
        .then(() => process.stderr.write(`subscribed to ${topic}\n`), reject);
    });
    await session.close();
  });
}
