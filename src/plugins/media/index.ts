import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { definePlugin, type PluginContext } from '../../agent/plugin.js';
import { RemoteError } from '../../client/index.js';
import { Confinement } from '../common/confinement.js';
import { serveUntilAborted, sharedRegistration } from '../common/lifecycle.js';
import { fromFsError, pathError } from '../common/path-errors.js';
import { MediaErrorUri } from './errors.js';
import { Playback, type MediaFile } from './playback.js';
import { findDefaultPlayer } from './players.js';
import { MEDIA_STATUS_TOPIC, mediaProcedures, type PlaybackStatus } from './procedures.js';

export { MediaErrorUri } from './errors.js';
export { MEDIA_STATUS_TOPIC, mediaProcedures } from './procedures.js';
export { DEFAULT_PLAYERS } from './players.js';

export const mediaConfig = z.strictObject({
  /** Player command and arguments; the file's path is appended. Default: the first of DEFAULT_PLAYERS on PATH. */
  player: z.array(z.string().min(1)).min(1).optional(),
  /** Directories files may be played from. */
  roots: z.array(z.string().refine(isAbsolute, 'must be an absolute path')).min(1).default(() => [homedir()]),
  /** After SIGTERM, a player gets this long to exit before SIGKILL. */
  stopGraceMs: z.int().min(0).default(2000),
});

/** A regular file inside the roots, or the error to answer. */
async function playableFile(confinement: Confinement, given: string): Promise<MediaFile> {
  const target = await confinement.resolve(given);
  let isFile: boolean;
  try {
    isFile = (await stat(target.real)).isFile();
  } catch (error) {
    throw fromFsError(error, given, MediaErrorUri);
  }
  if (!isFile) throw pathError(MediaErrorUri.notAFile, given, `not a regular file: ${given}`);
  return { path: target.path, real: target.real };
}

function announce(ctx: PluginContext<unknown>, status: PlaybackStatus): void {
  ctx.session.publish(MEDIA_STATUS_TOPIC, [{ device: ctx.device.id, ...status }])
    .catch((error: unknown) => ctx.logger.debug({ err: error }, 'could not publish the playback status'));
}

export default definePlugin({
  name: 'media',
  description: 'Play audio files on the device through a local player (mpv, ffplay, paplay, aplay).',
  modalities: [{ kind: 'speaker', name: 'speaker' }],
  config: mediaConfig,
  async main(ctx) {
    const { session, config } = ctx;
    const confinement = new Confinement(config.roots, MediaErrorUri);
    const playback = new Playback({ logger: ctx.logger, stopGraceMs: config.stopGraceMs, onChange: (status) => announce(ctx, status) });
    try {
      const registrations = await Promise.all([
        session.provide(mediaProcedures.play, async ({ path }) => {
          const file = await playableFile(confinement, path);
          const player = config.player ?? await findDefaultPlayer();
          if (player === undefined) {
            throw new RemoteError(MediaErrorUri.noPlayer, ['no player found on PATH (tried mpv, ffplay, paplay, aplay); set the player option']);
          }
          return playback.play(player, file);
        }, sharedRegistration),
        session.provide(mediaProcedures.stop, () => playback.stop(), sharedRegistration),
        session.provide(mediaProcedures.status, () => playback.status(), sharedRegistration),
      ]);
      await serveUntilAborted(ctx, registrations);
    } finally {
      await playback.close();
    }
  },
});
