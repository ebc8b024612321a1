import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Confinement } from '../common/confinement.js';
import { fromFsError } from '../common/path-errors.js';
import { FsErrorUri } from './errors.js';
import type { Entry, EntryType } from './procedures.js';

export function typeOf(stats: Stats): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** What fs.list and fs.find say of one entry; symlinks are described, not followed. */
export async function describeEntry(path: string, name: string): Promise<Entry> {
  const stats = await lstat(path);
  return { name, type: typeOf(stats), size: stats.size, mtime: stats.mtimeMs };
}

/** fs.list */
export async function listDirectory(confinement: Confinement, given: string | undefined, limit: number) {
  const target = await confinement.resolve(given ?? confinement.home);
  try {
    const names = (await readdir(target.real)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const shown = names.slice(0, limit);
    const described = await Promise.allSettled(shown.map((name) => describeEntry(join(target.real, name), name)));
    // An entry removed between readdir and lstat is simply not listed.
    const entries = described.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    return { path: target.path, entries, truncated: names.length > limit };
  } catch (error) {
    throw fromFsError(error, target.given, FsErrorUri);
  }
}

/** fs.stat */
export async function statPath(confinement: Confinement, given: string) {
  const target = await confinement.resolve(given);
  try {
    const stats = await stat(target.real);
    return { path: target.path, realPath: target.real, type: typeOf(stats), size: stats.size, mtime: stats.mtimeMs, mode: stats.mode };
  } catch (error) {
    throw fromFsError(error, given, FsErrorUri);
  }
}
