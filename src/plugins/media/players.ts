import { findExecutable } from '../common/executable.js';

/** Players tried, in order, when none is configured; the file's path is appended. */
export const DEFAULT_PLAYERS: readonly (readonly string[])[] = [
  ['mpv', '--no-video'],
  ['ffplay', '-nodisp', '-autoexit'],
  ['paplay'],
  ['aplay'],
];

/** The first default player found on `searchPath` (PATH syntax), with its executable resolved. */
export async function findDefaultPlayer(searchPath?: string): Promise<string[] | undefined> {
  for (const [command, ...args] of DEFAULT_PLAYERS) {
    if (command === undefined) continue;
    const executable = await findExecutable(command, searchPath);
    if (executable !== undefined) return [executable, ...args];
  }
  return undefined;
}
