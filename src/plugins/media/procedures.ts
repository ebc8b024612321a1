import { z } from 'zod';
import { defineProcedure } from '../../client/index.js';

export const playbackStatus = z.object({
  state: z.enum(['idle', 'playing']),
  path: z.string().optional(),
  /** When playback started, ms since the epoch. */
  startedAt: z.number().optional(),
  /** The player's process id. */
  pid: z.number().optional(),
});
export type PlaybackStatus = z.infer<typeof playbackStatus>;

/** Published (args[0]: the status plus `device`) whenever playback starts or ends. */
export const MEDIA_STATUS_TOPIC = 'media.on_status';

export const mediaProcedures = {
  play: defineProcedure({
    name: 'media.play',
    description: 'Play an audio file with the device\'s player; replaces what is playing.',
    args: z.strictObject({ path: z.string().min(1).refine((p) => !p.includes('\0'), 'must not contain NUL') }),
    result: playbackStatus.extend({
      /** The file that was playing before and was stopped for this one. */
      replaced: z.string().optional(),
    }),
  }),
  stop: defineProcedure({
    name: 'media.stop',
    description: 'Stop playback.',
    args: z.strictObject({}),
    result: z.object({ stopped: z.boolean(), path: z.string().optional() }),
  }),
  status: defineProcedure({
    name: 'media.status',
    description: 'What is playing.',
    args: z.strictObject({}),
    result: playbackStatus,
  }),
} as const;
