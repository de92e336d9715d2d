import { SsdetError } from '../errors/ssdet-error.js';

/** What a person can do about each failure of the file system (Node's `error.code`). */
const CAUSES: Readonly<Record<string, { what: string; hint: string }>> = {
  EROFS: { what: 'the file system is read-only', hint: 'Choose a writable location.' },
  EACCES: { what: 'permission denied', hint: 'Choose a location you may write to.' },
  EPERM: { what: 'operation not permitted', hint: 'Choose a location you may write to.' },
  ENOSPC: {
    what: 'the disk is full',
    hint: 'Free some space (old runs, checkpoints), or choose another location.',
  },
  EDQUOT: {
    what: 'the disk quota is exhausted',
    hint: 'Free some space, or choose another location.',
  },
  EEXIST: {
    what: 'it already exists and is in the way',
    hint: 'Move it aside, or choose another location.',
  },
  ENOTDIR: {
    what: 'a part of the path is a file, not a directory',
    hint: 'Choose a path whose folders are folders.',
  },
  EISDIR: { what: 'it is a directory, not a file', hint: 'Name a file, not a folder.' },
  ENOENT: { what: 'no such file or directory', hint: 'Check the path.' },
  ENAMETOOLONG: { what: 'the name is too long', hint: 'Choose a shorter path.' },
  EMFILE: {
    what: 'too many open files',
    hint: 'Raise the limit (ulimit -n) or lower train.data.concurrency.',
  },
  EBUSY: { what: 'it is busy', hint: 'Close what holds it and try again.' },
  EIO: { what: 'an input/output error of the device', hint: 'Check the disk.' },
};

/**
 * Turns a failed file-system call (a Node error with `code` and `path`) into a one-line
 * {@link SsdetError} naming the path and the cause, e.g. "Cannot write /runs/a/config.yaml: the
 * disk is full (ENOSPC)." Undefined for anything else, which stays a bug with its stack.
 *
 * @param where the directory the failed call worked in, named when the error carries no path
 *   (Node's `write` on an open file reports none).
 */
export function fileSystemError(error: unknown, where?: string): SsdetError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof SsdetError) return error;
  const { code, path, syscall, dest } = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== 'string') return undefined;
  const cause = CAUSES[code];
  if (cause === undefined) return undefined;
  if (typeof path !== 'string' && where === undefined) return undefined;
  const verb = verbOf(syscall);
  const target =
    typeof path !== 'string' ? `in ${where}` : dest === undefined ? path : `${path} → ${dest}`;
  return new SsdetError(`FILE_${code}`, `Cannot ${verb} ${target}: ${cause.what} (${code}).`, {
    hint: cause.hint,
    cause: error,
  });
}

function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'open':
      return 'open';
    case 'write':
    case 'fsync':
    case 'copyfile':
      return 'write';
    case 'read':
    case 'scandir':
      return 'read';
    case 'mkdir':
      return 'create the directory';
    case 'rename':
      return 'rename';
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return 'remove';
    default:
      return 'access';
  }
}

/**
 * Gives a failed write the file it was writing: Node's `write` on an open file reports the
 * error without a path, which a person needs to act on it.
 */
export function withPath(error: unknown, file: string): unknown {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    const errno = error as NodeJS.ErrnoException;
    if (errno.path === undefined) errno.path = file;
  }
  return error;
}
