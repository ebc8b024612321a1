import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import type { InvocationDetails } from '../../client/index.js';
import type { Logger } from '../../observability/logger.js';
import type { Confinement } from '../common/confinement.js';
import { fromFsError, pathError } from '../common/path-errors.js';
import { FsErrorUri } from './errors.js';

export interface ReadRequest {
  path: string;
  offset: number;
  length?: number | undefined;
}

export interface ReadOutcome {
  size: number;
  chunks: number;
  data?: Buffer;
}

/**
 * fs.read. With progressive results: one `{ data, offset }` per chunk of at
 * most `chunkBytes`, then `{ size, chunks }`; reading stops as soon as the
 * call is canceled. Without: the bytes in the final result, if they fit in
 * one chunk (`too_large` otherwise).
 */
export async function readFileChunks(
  confinement: Confinement,
  request: ReadRequest,
  chunkBytes: number,
  details: InvocationDetails,
  logger: Logger,
): Promise<ReadOutcome> {
  const target = await confinement.resolve(request.path);
  let handle: FileHandle | undefined;
  try {
    // Checked before open(): opening a FIFO would block until a writer comes.
    if (!(await stat(target.real)).isFile()) throw pathError(FsErrorUri.notAFile, request.path, `not a regular file: ${request.path}`);
    handle = await open(target.real, 'r');
    const stats = await handle.stat();
    const start = Math.min(request.offset, stats.size);
    const end = request.length === undefined ? stats.size : Math.min(stats.size, start + request.length);
    if (!details.receiveProgress) return await readWhole(handle, request.path, start, end, chunkBytes);

    let position = start;
    let chunks = 0;
    while (position < end) {
      if (details.signal.aborted) break;
      const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, end - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break; // the file shrank while being read
      if (!details.progress([{ data: buffer.subarray(0, bytesRead), offset: position }])) break;
      position += bytesRead;
      chunks++;
    }
    const outcome = { size: position - start, chunks };
    if (position < end) logger.debug({ path: target.path, ...outcome }, 'fs.read stopped: the call was canceled');
    return outcome;
  } catch (error) {
    throw fromFsError(error, request.path, FsErrorUri);
  } finally {
    await handle?.close();
  }
}

async function readWhole(handle: FileHandle, given: string, start: number, end: number, chunkBytes: number): Promise<ReadOutcome> {
  const size = end - start;
  if (size > chunkBytes) {
    throw pathError(FsErrorUri.tooLarge, given, `${given}: ${size} bytes is more than ${chunkBytes} bytes in one result; ask for progressive results or a smaller length`);
  }
  const data = Buffer.alloc(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(data, filled, size - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return { size: filled, chunks: 0, data: data.subarray(0, filled) };
}
