import type { HasVariables, Logger } from '@ssdet/core';
import { loadRequiredBackboneWeights } from '@ssdet/nn';

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
  loadRequiredBackboneWeights(backbone, source, logger, {
    method: 'DETReg',
    field,
    trainsOn: 'a frozen, pre-trained CNN',
    hint: `Set ${field} to a weights file (e.g. SwAV's ResNet-50 .pth), an ssdet pretrain run directory, or "random" for an ablation.`,
  });
}
