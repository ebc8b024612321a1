import { spawnNode, type Child, type ExitStatus } from './child.js';
import { cliMainPath } from './paths.js';

export interface CliRun {
  status: ExitStatus;
  stdout: string[];
  stderr: string[];
}

/** Start `thoth <args>` as a process (the compiled CLI of this build). */
export function startCli(args: readonly string[]): Child {
  return spawnNode(cliMainPath(), args, { name: `thoth ${args.slice(0, 2).join(' ')}` });
}

/** Run `thoth <args>` to its exit (bounded) and collect its output lines. */
export async function runCli(args: readonly string[], timeoutMs = 15_000): Promise<CliRun> {
  const child = startCli(args);
  try {
    const status = await child.waitForExit(timeoutMs);
    return { status, stdout: child.lines.stdout, stderr: child.lines.stderr };
  } catch (error) {
    await child.kill();
    throw error;
  }
}
