import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { RemoteError } from '../../client/index.js';
import { ErrorUri } from '../../protocol/error-uris.js';
import type { Confinement } from '../common/confinement.js';
import { fromFsError } from '../common/path-errors.js';
import { describeEntry } from './entries.js';
import { FsErrorUri } from './errors.js';

/** Directory entries a walk looks at before it gives up and answers truncated. */
export const MAX_VISITED = 100_000;

export interface FindMatch {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtime: number;
}

export interface FindOptions {
  root: string | undefined;
  pattern: string;
  limit: number;
  signal: AbortSignal;
  /** Default MAX_VISITED. */
  maxVisited?: number;
}

function compile(pattern: string): picomatch.Matcher {
  try {
    return picomatch(pattern, { dot: false });
  } catch (error) {
    throw new RemoteError(ErrorUri.invalidArgument, [`invalid argument for fs.find: "pattern": ${(error as Error).message}`]);
  }
}

/** How deep a match can be: unbounded with '**', else the pattern's number of segments. */
function depthOf(pattern: string): number {
  return pattern.includes('**') ? Infinity : pattern.split('/').length;
}

/**
 * fs.find: walk breadth-first below the root (symlinks are reported, never
 * followed, so the walk cannot leave the root or loop), matching each entry's
 * path relative to the root, with '/' separators, against the glob.
 */
export async function findFiles(confinement: Confinement, options: FindOptions) {
  const isMatch = compile(options.pattern);
  const maxDepth = depthOf(options.pattern);
  const maxVisited = options.maxVisited ?? MAX_VISITED;
  const start = await confinement.resolve(options.root ?? confinement.home);
  const found: Array<{ relative: string; real: string }> = [];
  const queue: Array<{ relative: string; real: string; depth: number }> = [{ relative: '', real: start.real, depth: 0 }];
  let visited = 0;
  let truncated = false;

  walk: for (let index = 0; index < queue.length; index++) {
    const next = queue[index] as (typeof queue)[number];
    if (options.signal.aborted) break;
    let entries: Dirent[];
    try {
      entries = await readdir(next.real, { withFileTypes: true });
    } catch (error) {
      if (next.depth === 0) throw fromFsError(error, options.root ?? start.given, FsErrorUri);
      continue; // an unreadable directory below the root is skipped
    }
    for (const dirent of entries) {
      if (++visited > maxVisited) {
        truncated = true;
        break walk;
      }
      const relative = next.relative === '' ? dirent.name : `${next.relative}/${dirent.name}`;
      const real = join(next.real, dirent.name);
      if (isMatch(relative)) {
        if (found.length === options.limit) {
          truncated = true;
          break walk;
        }
        found.push({ relative, real });
      }
      if (dirent.isDirectory() && next.depth + 1 < maxDepth) queue.push({ relative, real, depth: next.depth + 1 });
    }
  }

  const described = await Promise.allSettled(found.map(async ({ relative, real }) => {
    const { type, size, mtime } = await describeEntry(real, relative);
    return { path: join(start.path, relative), type, size, mtime };
  }));
  const matches: FindMatch[] = described.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  return { root: start.path, matches, truncated };
}
