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
  siameseDetrConfigSchema,
  siameseDetrDeformablePreset,
  siameseDetrDemoPreset,
  type SiameseDetrConfig,
} from './config.js';
import { SiameseDetrMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { SiameseDetrViewGenerator } from './views.js';

/** The DI token of Siamese DETR's resolved configuration in a run container. */
export const SIAMESE_DETR_CONFIG = pluginConfigToken<SiameseDetrConfig>('siamese-detr');

/** `ssdet pretrain --method siamese-detr`; ssdet finds it through `"ssdet": { "plugin": true }` in package.json. */
export const plugin = definePlugin({
  name: 'siamese-detr',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    "Siamese DETR: DETR's decoder finds view A's EdgeBoxes regions in view B and reconstructs their features, plus a global view alignment (Chen et al., CVPR 2023).",
  includes: [nnPlugin, proposalsPlugin, dataPlugin],
  configSchema: siameseDetrConfigSchema,
  // `--demo` freezes a small CNN pre-training run; a full-scale run needs real weights.
  pretrainedBackbone: {
    configKey: 'backboneWeights',
    paperBackbone: 'a SwAV-pretrained ResNet-50 (800 epochs)',
  },
  presets: { demo: siameseDetrDemoPreset, 'deformable-detr': siameseDetrDeformablePreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) => {
      const config = resolveToken(run, SIAMESE_DETR_CONFIG);
      return new SiameseDetrViewGenerator({
        scales: config.imageSize === undefined ? config.image.scales : [config.imageSize],
        maxSize: config.image.maxSize,
        flipP: config.image.flipP,
        outerScale: config.image.outerScale,
        outerRatio: config.image.outerRatio,
        viewIou: config.image.viewIou,
        stochasticViews: config.image.stochasticViews,
        numPatches: config.numPatches,
        areaMinRatio: config.boxes.areaMinRatio,
        padJitter: config.boxes.padJitter,
        viewAugmentation: config.viewAugmentation,
        cropSize: config.crop.size,
        cropAugmentation: config.crop.augmentation,
      });
    });
    // EdgeBoxes (max 512), computed once per image and kept in the region cache.
    provideFactory(container, REGION_SOURCE, (run) => {
      const { regions } = resolveToken(run, SIAMESE_DETR_CONFIG);
      return withRegionCache(buildRegionSource(run, regions, 'siamese-detr'), regions);
    });
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, SIAMESE_DETR_CONFIG);
      return new SiameseDetrMethod(
        config,
        resolveToken(run, RUN_RNG).fork('siamese-detr'),
        resolveToken(run, LOGGER).child('siamese-detr'),
        {
          views: resolveToken(run, VIEW_GENERATOR) as SiameseDetrViewGenerator,
          regions: resolveToken(run, REGION_SOURCE),
          // `frozen_stages=4`, `norm_cfg=dict(type='FrozenBN')`, `freeze_backbone=True`.
          createBackbone: (rng, levels) =>
            buildBackbone(run, config.backbone, rng, {
              method: 'siamese-detr',
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
