/**
 * The base of every error ssdet raises on purpose. `code` is stable for programs; `message`
 * is written for the user (names the file, field or package at fault and what was expected);
 * `hint` says what to do about it. The CLI prints these without a stack trace.
 */
export class SsdetError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

export function isSsdetError(error: unknown): error is SsdetError {
  return error instanceof SsdetError;
}
