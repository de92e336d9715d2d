import { definePlugin, packageVersion } from '@ssdet/core';
import { FPN_NECKS } from './stages/fpn-necks.js';
import { RESNET_BACKBONES } from './stages/resnet-backbones.js';

/** `@ssdet/nn` as a plugin package: it contributes the ResNet backbones and the FPN necks. */
export const plugin = definePlugin({
  name: 'nn',
  version: packageVersion(import.meta.url),
  coreRange: '^0.1.0',
  description: 'ResNet-18/34/50 backbones (torchvision names, any width) and FPN necks',
  contributes: { backbones: RESNET_BACKBONES, necks: FPN_NECKS },
});
