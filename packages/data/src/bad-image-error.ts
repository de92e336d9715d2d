import { SsdetError } from '@ssdet/core';

/** Why an image could not be used. */
export type BadImageReason =
  | 'missing'
  | 'empty'
  | 'unsupported'
  | 'corrupt'
  | 'too-large'
  | 'timeout';

/** An image file that cannot be decoded; the message names the file and the reason. */
export class BadImageError extends SsdetError {
  readonly file: string;
  readonly reason: BadImageReason;
  readonly detail: string;

  constructor(file: string, reason: BadImageReason, detail: string) {
    super('BAD_IMAGE', `Cannot use image ${file}: ${detail}.`, {
      hint: "Fix or remove the file, or set data.onBadImage: 'skip' to skip bad images and list them in the run's bad-images.txt.",
    });
    this.file = file;
    this.reason = reason;
    this.detail = detail;
  }
}
