import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { definePlugin } from '../../agent/plugin.js';
import { Confinement } from '../common/confinement.js';
import { serveUntilAborted, sharedRegistration } from '../common/lifecycle.js';
import { listDirectory, statPath } from './entries.js';
import { FsErrorUri } from './errors.js';
import { findFiles } from './find.js';
import { fsProcedures } from './procedures.js';
import { readFileChunks } from './read.js';
import { writeFileConfined } from './write.js';

export { FsErrorUri } from './errors.js';
export { fsProcedures } from './procedures.js';

/** Largest read chunk: a chunk, base64-encoded for JSON, must fit in a default 16 MiB message. */
export const MAX_READ_CHUNK_BYTES = 8 * 1024 * 1024;

export const fsConfig = z.strictObject({
  /** Directories the plugin may touch; relative paths are taken against the first. */
  roots: z.array(z.string().refine(isAbsolute, 'must be an absolute path')).min(1).default(() => [homedir()]),
  maxReadChunkBytes: z.int().min(1).max(MAX_READ_CHUNK_BYTES).default(64 * 1024),
  allowWrite: z.boolean().default(true),
});

export default definePlugin({
  name: 'fs',
  description: 'Browse, search, read and write files below configured roots.',
  modalities: [{ kind: 'fs', name: 'files' }],
  config: fsConfig,
  async main(ctx) {
    const { session, config } = ctx;
    const confinement = new Confinement(config.roots, FsErrorUri);
    const registrations = await Promise.all([
      session.provide(fsProcedures.list, ({ path, limit }) => listDirectory(confinement, path, limit), sharedRegistration),
      session.provide(fsProcedures.stat, ({ path }) => statPath(confinement, path), sharedRegistration),
      session.provide(fsProcedures.find, ({ root, pattern, limit }, details) =>
        findFiles(confinement, { root, pattern, limit, signal: details.signal }), sharedRegistration),
      session.provide(fsProcedures.read, (request, details) =>
        readFileChunks(confinement, request, config.maxReadChunkBytes, details, ctx.logger), sharedRegistration),
      session.provide(fsProcedures.write, (request) => writeFileConfined(confinement, request, config.allowWrite), sharedRegistration),
    ]);
    ctx.logger.info({ roots: confinement.roots, allowWrite: config.allowWrite }, 'fs plugin serving');
    await serveUntilAborted(ctx, registrations);
  },
});
