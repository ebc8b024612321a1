import type { PathErrorUris } from '../common/path-errors.js';

/** Every error URI the fs plugin answers with (besides wamp.error.invalid_argument). */
export const FsErrorUri = {
  outsideRoot: 'thoth.error.fs.outside_root',
  notFound: 'thoth.error.fs.not_found',
  permissionDenied: 'thoth.error.fs.permission_denied',
  notAFile: 'thoth.error.fs.not_a_file',
  notADirectory: 'thoth.error.fs.not_a_directory',
  ioError: 'thoth.error.fs.io_error',
  readOnly: 'thoth.error.fs.read_only',
  tooLarge: 'thoth.error.fs.too_large',
} as const satisfies PathErrorUris & Record<string, string>;
