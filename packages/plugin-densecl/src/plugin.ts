import {
  PRETRAIN_METHOD,
  RUN_RNG,
  definePlugin,
  pluginConfigToken,
  provideFactory,
  resolveToken,
} from '@ssdet/core';
import { denseclConfigSchema, denseclDemoPreset, type DenseclConfig } from './config.js';
import { DenseCLMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';

/** The DI token of DenseCL's resolved configuration in a run container. */
export const DENSECL_CONFIG = pluginConfigToken<DenseclConfig>('densecl');

/** `ssdet pretrain --method densecl`. */
export const plugin = definePlugin({
  name: 'densecl',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'DenseCL: dense contrastive learning (Wang et al., CVPR 2021), MoCo v2 + pixel-level InfoNCE on ResNet C5.',
  configSchema: denseclConfigSchema,
  presets: { demo: denseclDemoPreset },
  register(container) {
    provideFactory(
      container,
      PRETRAIN_METHOD,
      (run) =>
        new DenseCLMethod(
          resolveToken(run, DENSECL_CONFIG),
          resolveToken(run, RUN_RNG).fork('densecl'),
        ),
    );
  },
});
