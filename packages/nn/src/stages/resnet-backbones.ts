import type { BackboneFactory } from '@ssdet/core';
import { ResNet, type ResNetDepth } from '../backbones/resnet.js';

function resnetFactory(depth: ResNetDepth, parameters: string): BackboneFactory {
  return {
    name: `resnet${depth}`,
    description: `torchvision ResNet-${depth} (${parameters} at width 1; any width), levels C2–C5`,
    create: ({ widthMultiplier, rng, frozenNorm, norm, frozenStages, init }) =>
      new ResNet({
        depth,
        widthMultiplier,
        rng,
        ...(norm !== undefined
          ? { normLayer: norm }
          : frozenNorm === true
            ? { normLayer: 'frozen' }
            : {}),
        ...(frozenStages === undefined ? {} : { frozenStages }),
        ...(init?.conv === undefined ? {} : { convInit: init.conv }),
        ...(init?.zeroInitResidual === undefined
          ? {}
          : { zeroInitResidual: init.zeroInitResidual }),
      }),
  };
}

/** ResNet-18/34/50 with torchvision's names, at any width: `--backbone resnet50`. */
export const RESNET_BACKBONES: readonly BackboneFactory[] = [
  resnetFactory(18, '11.7M parameters'),
  resnetFactory(34, '21.8M parameters'),
  resnetFactory(50, '25.6M parameters'),
];
