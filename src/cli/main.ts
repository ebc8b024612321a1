import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { routerCommand } from './commands/router.js';
import { callCommand } from './commands/call.js';
import { publishCommand } from './commands/publish.js';
import { subscribeCommand } from './commands/subscribe.js';
import { agentCommand } from './commands/agent.js';
import { devicesCommand } from './commands/devices.js';
import { modalitiesCommand } from './commands/modalities.js';
import { upCommand } from './commands/up.js';
import { dhtCommand } from './commands/dht.js';
import { keygenCommand } from './commands/keygen.js';
import { CliError } from './errors.js';
import { RemoteError } from '../client/errors.js';

const version = packageVersion();

const program = new Command('thoth')
  .description('thoth: a personal device mesh over WAMP v2')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addCommand(routerCommand())
  .addCommand(callCommand())
  .addCommand(publishCommand())
  .addCommand(subscribeCommand())
  .addCommand(upCommand())
  .addCommand(agentCommand())
  .addCommand(devicesCommand())
  .addCommand(modalitiesCommand())
  .addCommand(keygenCommand())
  .addCommand(dhtCommand());

for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}

/**
 * The version in the nearest package.json above this file: dist/src/cli/ in a
 * checkout or an installed package, or any other tsc --outDir depth.
 */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** One line on stderr, no stack trace; the exit code says what kind of failure it was. */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander already printed it
  if (error instanceof CliError) {
    process.stderr.write(`thoth: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof RemoteError) {
    process.stderr.write(`thoth: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`thoth: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
