import type { PathErrorUris } from '../common/path-errors.js';

/** Every error URI the media plugin answers with (besides wamp.error.invalid_argument). */
export const MediaErrorUri = {
  noPlayer: 'thoth.error.media.no_player',
  playerFailed: 'thoth.error.media.player_failed',
  outsideRoot: 'thoth.error.media.outside_root',
  notFound: 'thoth.error.media.not_found',
  permissionDenied: 'thoth.error.media.permission_denied',
  notAFile: 'thoth.error.media.not_a_file',
  ioError: 'thoth.error.media.io_error',
} as const satisfies PathErrorUris & Record<string, string>;
