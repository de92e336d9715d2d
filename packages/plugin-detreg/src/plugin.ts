import {
  LOGGER,
  PRETRAIN_METHOD,
  PROCESS_GROUP,
  REGION_SOURCE,
  RUN_RNG,
  VIEW_GENERATOR,
  buildBackbone,
  buildRegionSource,
  definePlugin,
  pluginConfigToken,
  provideFactory,
  resolveToken,
} from '@ssdet/core';
import { plugin as dataPlugin } from '@ssdet/data';
import { plugin as nnPlugin } from '@ssdet/nn';
import { plugin as proposalsPlugin, withRegionCache } from '@ssdet/proposals';
import {
  detregConfigSchema,
  detregDemoPreset,
  detregDetrPreset,
  type DetregConfig,
} from './config.js';
import { DetregMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { DetregViewGenerator } from './views.js';

/** The DI token of DETReg's resolved configuration in a run container. */
export const DETREG_CONFIG = pluginConfigToken<DetregConfig>('detreg');

/** `ssdet pretrain --method detreg`; ssdet finds it through `"ssdet": { "plugin": true }` in package.json. */
export const plugin = definePlugin({
  name: 'detreg',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    "DETReg: Deformable DETR learns to find Selective Search boxes and to regress a frozen teacher's embedding of each (Bar et al., CVPR 2022).",
  includes: [nnPlugin, proposalsPlugin, dataPlugin],
  configSchema: detregConfigSchema,
  // `--demo` freezes a small CNN pre-training run; a full-scale run needs real weights.
  pretrainedBackbone: {
    configKey: 'backboneWeights',
    paperBackbone: 'a SwAV-pretrained ResNet-50 (800 epochs), which is also the teacher',
  },
  presets: { demo: detregDemoPreset, detr: detregDetrPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) => {
      const config = resolveToken(run, DETREG_CONFIG);
      return new DetregViewGenerator({
        scales: config.imageSize === undefined ? config.image.scales : [config.imageSize],
        maxSize: config.image.maxSize,
        flipP: config.image.flipP,
        plainResizeP: config.imageSize === undefined ? config.image.plainResizeP : 1,
        cropResizes: config.image.cropResizes,
        cropSize: config.image.cropSize,
        maxPriors: config.maxPriors,
        minPriors: config.minPriors,
        crop: config.crop,
      });
    });
    // The priors: Selective Search (preset `detreg`), fresh at every access unless cached.
    provideFactory(container, REGION_SOURCE, (run) => {
      const { regions } = resolveToken(run, DETREG_CONFIG);
      return withRegionCache(buildRegionSource(run, regions, 'detreg'), regions);
    });
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, DETREG_CONFIG);
      return new DetregMethod(
        config,
        resolveToken(run, RUN_RNG).fork('detreg'),
        resolveToken(run, LOGGER).child('detreg'),
        {
          views: resolveToken(run, VIEW_GENERATOR) as DetregViewGenerator,
          regions: resolveToken(run, REGION_SOURCE),
          // DETR's backbone: FrozenBatchNorm2d; `--lr_backbone 0` freezes every stage.
          createBackbone: (rng, levels) =>
            buildBackbone(run, config.backbone, rng, {
              method: 'detreg',
              levels,
              frozenNorm: true,
              frozenStages: 4,
            }),
        },
        resolveToken(run, PROCESS_GROUP),
      );
    });
  },
});
