import { SsdetError } from '../errors/ssdet-error.js';

/** A NaN or infinite loss: the run stops before the bad update reaches the weights. */
export class NonFiniteLossError extends SsdetError {
  constructor(
    readonly step: number,
    readonly terms: Readonly<Record<string, number>>,
    lastCheckpoint: string | undefined,
  ) {
    const termText = Object.entries(terms)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ');
    super(
      'LOSS_NOT_FINITE',
      `Step ${step}: the loss is not finite (${termText}); training stopped before applying this update.`,
      {
        hint:
          lastCheckpoint === undefined
            ? 'No checkpoint was written yet. Lower the learning rate or check the data.'
            : `The last good checkpoint is ${lastCheckpoint}; lower the learning rate and resume with --resume.`,
      },
    );
  }
}
