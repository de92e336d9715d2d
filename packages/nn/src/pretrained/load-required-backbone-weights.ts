import { SsdetError, type HasVariables, type Logger } from '@ssdet/core';
import { loadPretrainedBackbone } from './load-pretrained-backbone.js';

/** How a method that trains on a pre-trained CNN names its weights in messages. */
export interface RequiredBackboneWeights {
  /** The method's display name, e.g. `DETReg`. */
  readonly method: string;
  /** The config key the weights come from, e.g. `backboneWeights` or `teacher.weights`. */
  readonly field: string;
  /** What the method trains on, e.g. `a frozen, pre-trained CNN`. */
  readonly trainsOn: string;
  /** The hint of the missing-weights error: what to set `field` to. */
  readonly hint: string;
  /** What the log line calls the loaded tensors (default `field`). */
  readonly tensorsLabel?: string;
}

/**
 * Loads the pre-trained CNN a DETR-family method trains on (DETReg, UP-DETR, ProSeCo, …) from a
 * weights file or an `ssdet pretrain` run directory ({@link loadPretrainedBackbone}: every
 * backbone variable must come from the source) and logs one line saying how many tensors came
 * from where, which checkpoint prefix was removed and how many other entries were ignored.
 * `random` keeps the random initialisation (an ablation). No source at all is a one-line
 * `PRETRAINED_BACKBONE_REQUIRED` error naming the method and the config key: such a method
 * learns little on a random CNN, so it must be asked for explicitly.
 */
export function loadRequiredBackboneWeights(
  backbone: HasVariables & { readonly name: string },
  source: string | undefined,
  logger: Logger,
  request: RequiredBackboneWeights,
): void {
  const { method, field } = request;
  if (source === undefined) {
    throw new SsdetError(
      'PRETRAINED_BACKBONE_REQUIRED',
      `${method} trains on ${request.trainsOn}, and no ${field} was given.`,
      { hint: request.hint },
    );
  }
  if (source === 'random') return;
  const { report, prefix } = loadPretrainedBackbone(backbone, source, field);
  const other = report.ignored.length + report.unexpected.length;
  logger.info(
    `${method}: loaded ${report.loaded.length} ${request.tensorsLabel ?? field} tensors from ${source}` +
      (prefix === '' ? '' : ` (prefix "${prefix}" removed)`) +
      (other > 0 ? `; ${other} other entries ignored.` : '.'),
  );
}
