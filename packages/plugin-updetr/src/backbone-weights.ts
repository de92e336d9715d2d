import type { HasVariables, Logger } from '@ssdet/core';
import { loadRequiredBackboneWeights } from '@ssdet/nn';

/**
 * Loads the frozen CNN's weights, as UP-DETR's `Backbone` loads SwAV's: from a weights file
 * (`.pth` of either PyTorch format or `.safetensors`; torchvision names under `module.`,
 * `backbone.0.body.` and the other prefixes of released checkpoints, or detectron2 names) or
 * from an `ssdet pretrain` run directory — which chains a CNN method into UP-DETR. Every
 * backbone variable must come from the source. `random` keeps the random initialisation: an
 * ablation, since a frozen random CNN's patch features carry little.
 *
 * The config key is required at full scale; `--demo` fills it (see `pretrainedBackbone` in the
 * plugin), so a method built without it is refused here too.
 */
export function loadBackboneWeights(
  backbone: HasVariables & { readonly name: string },
  source: string | undefined,
  logger: Logger,
): void {
  loadRequiredBackboneWeights(backbone, source, logger, {
    method: 'UP-DETR',
    field: 'backboneWeights',
    trainsOn: 'a frozen, pre-trained CNN',
    hint: 'Set backboneWeights to a weights file (e.g. SwAV\'s ResNet-50 .pth), an ssdet pretrain run directory, or "random" for an ablation.',
    tensorsLabel: 'backbone',
  });
}
