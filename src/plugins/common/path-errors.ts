import { RemoteError } from '../../client/index.js';

/** The error URIs a plugin that works on confined paths answers with. */
export interface PathErrorUris {
  /** The path resolves (lexically or through a symlink) outside every root. */
  outsideRoot: string;
  notFound: string;
  permissionDenied: string;
  /** A directory (or other non-regular file) where a file is needed. */
  notAFile: string;
  /** A file where a directory is needed. Without it, ENOTDIR answers notFound. */
  notADirectory?: string;
  /** Any other file-system failure; kwargs.code carries the errno code. */
  ioError: string;
}

/** An error answered to the caller, naming the path as the caller gave it. */
export function pathError(uri: string, path: string, message: string): RemoteError {
  return new RemoteError(uri, [message], { path });
}

/** Turn a node fs failure into the RemoteError to answer; a RemoteError passes through. */
export function fromFsError(error: unknown, path: string, uris: PathErrorUris): RemoteError {
  if (error instanceof RemoteError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return pathError(uris.notFound, path, `no such file or directory: ${path}`);
    case 'EACCES':
    case 'EPERM':
      return pathError(uris.permissionDenied, path, `permission denied: ${path}`);
    case 'EISDIR':
      return pathError(uris.notAFile, path, `is a directory: ${path}`);
    case 'ENOTDIR':
      return uris.notADirectory === undefined
        ? pathError(uris.notFound, path, `no such file or directory (a part of it is not a directory): ${path}`)
        : pathError(uris.notADirectory, path, `not a directory: ${path}`);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new RemoteError(uris.ioError, [`${path}: ${message}`], { path, code: code ?? null });
    }
  }
}
