import {
  PRETRAIN_METHOD,
  PROCESS_GROUP,
  RUN_RNG,
  VIEW_GENERATOR,
  buildBackbone,
  definePlugin,
  pluginConfigToken,
  provideFactory,
  resolveToken,
} from '@ssdet/core';
import { plugin as dataPlugin } from '@ssdet/data';
import { plugin as nnPlugin } from '@ssdet/nn';
import { denseclConfigSchema, denseclDemoPreset, type DenseclConfig } from './config.js';
import { DenseCLMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { denseclViews } from './views.js';

/** The DI token of DenseCL's resolved configuration in a run container. */
export const DENSECL_CONFIG = pluginConfigToken<DenseclConfig>('densecl');

/** `ssdet pretrain --method densecl`. */
export const plugin = definePlugin({
  name: 'densecl',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'DenseCL: dense contrastive learning (Wang et al., CVPR 2021), MoCo v2 + pixel-level InfoNCE on ResNet C5.',
  includes: [nnPlugin, dataPlugin],
  configSchema: denseclConfigSchema,
  presets: { demo: denseclDemoPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) =>
      denseclViews(run, resolveToken(run, DENSECL_CONFIG).imageSize),
    );
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, DENSECL_CONFIG);
      return new DenseCLMethod(
        config,
        resolveToken(run, RUN_RNG).fork('densecl'),
        {
          views: resolveToken(run, VIEW_GENERATOR),
          // `init`: the method's recipe (config.init), e.g. OpenSelfSup's fan_in convs.
          createBackbone: (rng, init) =>
            buildBackbone(run, config.backbone, rng, { method: 'densecl', levels: ['C5'], init }),
        },
        resolveToken(run, PROCESS_GROUP),
      );
    });
  },
});
