import type { HasVariables, Logger } from '@ssdet/core';
import { loadRequiredBackboneWeights } from '@ssdet/nn';

/**
 * Loads the fixed CNN's weights: a weights file (`.pth` / `.safetensors`, torchvision or
 * detectron2 names, checkpoint prefixes removed) or an `ssdet pretrain` run directory; every
 * backbone variable must come from the source. `random` keeps the random initialisation (an
 * ablation).
 */
export function loadBackboneWeights(
  backbone: HasVariables & { readonly name: string },
  source: string | undefined,
  logger: Logger,
): void {
  loadRequiredBackboneWeights(backbone, source, logger, {
    method: 'ProSeCo',
    field: 'backboneWeights',
    trainsOn: 'a fixed, pre-trained CNN',
    hint: 'Set backboneWeights to a weights file (e.g. a ResNet-50 .pth), an ssdet pretrain run directory (an object-level method such as detcon fits the paper best), or "random" for an ablation.',
  });
}
