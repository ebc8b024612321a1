import { readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fromFsError, pathError, type PathErrorUris } from './path-errors.js';

/** A caller's path after confinement. */
export interface ConfinedPath {
  /** The path as the caller gave it (for messages). */
  given: string;
  /** Absolute and normalized, in the caller's terms (symlinks not resolved). */
  path: string;
  /** Where it really is, every symlink resolved; inside a root. */
  real: string;
  /** False only for a file about to be created. */
  exists: boolean;
}

export interface ResolveOptions {
  /** The file may not exist yet; its parent directory must. Default false. */
  create?: boolean;
}

/** Symlink hops followed while resolving a file about to be created (as the kernel's ELOOP limit). */
const MAX_LINK_HOPS = 40;

/** Whether `child` is `root` or below it; both absolute and normalized. */
export function isInside(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Keeps a plugin's file access inside its roots. A relative path is taken
 * against the first root; `..` that climbs out, an absolute path elsewhere, and
 * a symlink (of the file or of any directory above it) that leads out are all
 * refused with `outsideRoot`. A root that is itself a symlink is fine: its
 * target counts as the root.
 *
 * Checks happen before the caller's operation, so a concurrent rename by
 * another local process can race them; the callers use the resolved real path.
 */
export class Confinement {
  readonly roots: readonly string[];

  constructor(roots: readonly string[], private readonly uris: PathErrorUris) {
    if (roots.length === 0) throw new Error('Confinement needs at least one root');
    this.roots = roots.map((root) => resolve(root));
  }

  /** The default root: relative paths are taken against it. */
  get home(): string {
    return this.roots[0] as string;
  }

  async resolve(given: string, options: ResolveOptions = {}): Promise<ConfinedPath> {
    const path = isAbsolute(given) ? resolve(given) : resolve(this.home, given);
    const realRoots = await this.realRoots();
    if (![...this.roots, ...realRoots].some((root) => isInside(path, root))) throw this.outside(given);
    let real: string;
    let exists = true;
    try {
      real = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fromFsError(error, given, this.uris);
      // Missing, or a dangling symlink: where it leads decides between outside_root and not_found.
      real = await this.resolveMissing(path, given);
      if (!realRoots.some((root) => isInside(real, root))) throw this.outside(given);
      if (options.create !== true) throw fromFsError(error, given, this.uris);
      exists = false;
    }
    if (!realRoots.some((root) => isInside(real, root))) throw this.outside(given);
    return { given, path, real, exists };
  }

  /** Real path of each root; a root that does not exist (yet) stands for itself. */
  private realRoots(): Promise<string[]> {
    return Promise.all(this.roots.map((root) => realpath(root).catch(() => root)));
  }

  /**
   * Where a file about to be created would really be: its parent's real path
   * plus its name, following a dangling symlink of that name to its target.
   */
  private async resolveMissing(path: string, given: string): Promise<string> {
    let candidate = path;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      let parent: string;
      try {
        parent = await realpath(dirname(candidate));
      } catch (error) {
        throw fromFsError(error, given, this.uris);
      }
      const next = join(parent, basename(candidate));
      let target: string;
      try {
        target = await readlink(next);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EINVAL') return next;
        throw fromFsError(error, given, this.uris);
      }
      candidate = resolve(parent, target);
    }
    throw fromFsError(Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' }), given, this.uris);
  }

  private outside(given: string): Error {
    return pathError(this.uris.outsideRoot, given, `outside the allowed roots: ${given}`);
  }
}
