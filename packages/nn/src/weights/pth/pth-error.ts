import { SsdetError } from '@ssdet/core';

/** Throws the one-line `PTH_INVALID` error of the `.pth` readers: `<file>: <problem>`. */
export function failPth(sourceName: string, problem: string, hint?: string): never {
  throw new SsdetError(
    'PTH_INVALID',
    `${sourceName}: ${problem}`,
    hint === undefined ? {} : { hint },
  );
}
