import { ConfigError, fileSystemError, isSsdetError } from '@ssdet/core';
import type { CliIo } from '../io.js';

/** Exit codes: 1 for a failed run, 2 for a bad command line or configuration (like most CLIs). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Errors that mean the command line or configuration asked for something that cannot be: an
 * unknown method or preset, a config file that does not parse, no data named, an `--out` that
 * holds another run. The user fixes the command, not the machine.
 */
const USAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  'CONFIG_SYNTAX',
  'CONFIG_UNREADABLE',
  'PLUGIN_UNKNOWN',
  'PRESET_UNKNOWN',
  'PRESET_WITH_DEMO',
  'DATA_MISSING',
  'RUN_DIR_NOT_EMPTY',
  'RUN_DIR_NOT_A_DIRECTORY',
  'EXPORT_FORMAT_MISMATCH',
  'EXPORT_UNKNOWN_ARTIFACT',
]);

/**
 * Prints an error for a person: ssdet's own errors — and failed file-system calls (a read-only
 * or full disk, a file where a folder should be) — as one line naming the path, with a hint and
 * without a stack; anything else (a bug) with its stack, because then the stack is what a bug
 * report needs.
 */
export function renderError(error: unknown, io: CliIo): number {
  const known = isSsdetError(error) ? error : fileSystemError(error);
  if (known !== undefined) {
    io.stderr(`error: ${known.message.replace(/\n+$/, '')}\n`);
    if (known.hint !== undefined) io.stderr(`hint: ${known.hint}\n`);
    return known instanceof ConfigError || USAGE_ERROR_CODES.has(known.code)
      ? EXIT_USAGE
      : EXIT_FAILURE;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`internal error (please report it with this output): ${detail}\n`);
  return EXIT_FAILURE;
}
