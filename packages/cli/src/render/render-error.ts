import { ConfigError, isSsdetError } from '@ssdet/core';
import type { CliIo } from '../io.js';

/** Exit codes: 1 for a failed run, 2 for a bad command line or configuration (like most CLIs). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Prints an error for a person: ssdet's own errors as their message and hint, without a stack;
 * anything else (a bug) with its stack, because then the stack is what a bug report needs.
 */
export function renderError(error: unknown, io: CliIo): number {
  if (isSsdetError(error)) {
    io.stderr(`error: ${error.message}\n`);
    if (error.hint !== undefined) io.stderr(`hint: ${error.hint}\n`);
    return error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`internal error (please report it with this output): ${detail}\n`);
  return EXIT_FAILURE;
}
