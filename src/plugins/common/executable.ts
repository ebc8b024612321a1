import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `command` would run from: itself when it names a path (has a '/'),
 * else the first executable file of that name in `searchPath` (PATH syntax).
 * Undefined when there is none.
 */
export async function findExecutable(command: string, searchPath: string = process.env['PATH'] ?? ''): Promise<string | undefined> {
  if (command.length === 0) return undefined;
  if (command.includes('/')) return (await isExecutableFile(command)) ? command : undefined;
  for (const dir of searchPath.split(delimiter)) {
    if (dir.length === 0) continue;
    const candidate = join(dir, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
