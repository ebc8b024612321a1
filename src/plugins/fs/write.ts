import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Confinement } from '../common/confinement.js';
import { fromFsError, pathError } from '../common/path-errors.js';
import { FsErrorUri } from './errors.js';

export interface WriteRequest {
  path: string;
  data: string | Uint8Array;
  append: boolean;
}

// O_NOFOLLOW: the real path was checked; a symlink put in its place since then is not followed.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CREATE = constants.O_WRONLY | constants.O_CREAT | NOFOLLOW;

/** fs.write: create or replace the file (or append to it). */
export async function writeFileConfined(confinement: Confinement, request: WriteRequest, allowWrite: boolean) {
  if (!allowWrite) throw pathError(FsErrorUri.readOnly, request.path, `writing is disabled on this device (allowWrite: false): ${request.path}`);
  const target = await confinement.resolve(request.path, { create: true });
  const bytes = typeof request.data === 'string' ? Buffer.from(request.data, 'utf8') : request.data;
  const flags = CREATE | (request.append ? constants.O_APPEND : constants.O_TRUNC);
  try {
    // Checked before open(): opening a FIFO would block until a reader comes.
    if (target.exists && !(await stat(target.real)).isFile()) {
      throw pathError(FsErrorUri.notAFile, request.path, `not a regular file: ${request.path}`);
    }
    const handle = await open(target.real, flags, 0o666);
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fromFsError(error, request.path, FsErrorUri);
  }
  return { path: target.path, size: bytes.length, created: !target.exists };
}
