import { SsdetError, type HasVariables, type Logger } from '@ssdet/core';
import { loadPretrainedBackbone } from '@ssdet/nn';

/**
 * Loads a frozen CNN's weights, as DETReg's `Backbone` loads SwAV's (`--load_backbone swav`):
 * from a weights file (`.pth` of either PyTorch format or `.safetensors`; torchvision names under
 * `module.`, `backbone.0.body.` and the other prefixes of released checkpoints, or detectron2
 * names) or from an `ssdet pretrain` run directory. Every backbone variable must come from the
 * source. `random` keeps the random initialisation (an ablation).
 *
 * @param field the config key, named in messages (`backboneWeights`, `teacher.weights`).
 */
export function loadBackboneWeights(
  backbone: HasVariables & { readonly name: string },
  source: string | undefined,
  field: string,
  logger: Logger,
): void {
  if (source === undefined)
    throw new SsdetError(
      'PRETRAINED_BACKBONE_REQUIRED',
      `DETReg trains on a frozen, pre-trained CNN, and no ${field} was given.`,
      {
        hint: `Set ${field} to a weights file (e.g. SwAV's ResNet-50 .pth), an ssdet pretrain run directory, or "random" for an ablation.`,
      },
    );
  if (source === 'random') return;
  const { report, prefix } = loadPretrainedBackbone(backbone, source, field);
  const other = report.ignored.length + report.unexpected.length;
  logger.info(
    `DETReg: loaded ${report.loaded.length} ${field} tensors from ${source}` +
      (prefix === '' ? '' : ` (prefix "${prefix}" removed)`) +
      (other > 0 ? `; ${other} other entries ignored.` : '.'),
  );
}
