import { Command, Option } from 'commander';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { parseArgValue, parseKwargs } from '../parse-values.js';

interface PublishFlags extends ClientFlags {
  kwargs?: string;
}

export function publishCommand(): Command {
  const command = new Command('publish')
    .description('publish an event (each argument is JSON, or a plain string); waits for the router to acknowledge it')
    .argument('<topic>', 'topic URI')
    .argument('[args...]', 'positional arguments')
    .addOption(new Option('--kwargs <json>', 'keyword arguments as a JSON object'));
  return addClientOptions(command).action(async (topic: string, args: string[], flags: PublishFlags) => {
    const kwargs = parseKwargs(flags.kwargs);
    const session = await openSession(flags);
    try {
      await session.publish(topic, args.map(parseArgValue), kwargs, { acknowledge: true });
    } finally {
      await session.close();
    }
  });
}
