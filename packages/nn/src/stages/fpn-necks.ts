import type { NeckFactory } from '@ssdet/core';
import { Fpn } from '../necks/fpn.js';

/** Feature pyramids over a backbone's C-levels: plain (`fpn`) and with BatchNorm (`fpn-bn`, SoCo). */
export const FPN_NECKS: readonly NeckFactory[] = [
  {
    name: 'fpn',
    description: 'FPN (Lin et al. 2017), convolutions with bias, detectron2 names',
    create: ({ inLevels, channels, rng }) => new Fpn({ inLevels, outChannels: channels, rng }),
  },
  {
    name: 'fpn-bn',
    description: 'FPN with BatchNorm after every convolution (detectron2 FPN.NORM "BN", SoCo)',
    create: ({ inLevels, channels, rng }) =>
      new Fpn({ inLevels, outChannels: channels, norm: 'batch', rng }),
  },
];
