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
import { plugin as proposalsPlugin } from '@ssdet/proposals';
import { updetrConfigSchema, updetrDemoPreset, type UpdetrConfig } from './config.js';
import { UpdetrMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { UpdetrViewGenerator } from './views.js';

/** The DI token of UP-DETR's resolved configuration in a run container. */
export const UPDETR_CONFIG = pluginConfigToken<UpdetrConfig>('updetr');

/** `ssdet pretrain --method updetr`. */
export const plugin = definePlugin({
  name: 'updetr',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'UP-DETR: random query patch detection (Dai et al., CVPR 2021) — pre-trains the DETR transformer on a frozen CNN.',
  includes: [nnPlugin, proposalsPlugin, dataPlugin],
  configSchema: updetrConfigSchema,
  // `--demo` freezes a small CNN pre-training run; a full-scale run needs real weights.
  pretrainedBackbone: {
    configKey: 'backboneWeights',
    paperBackbone: 'a SwAV-pretrained ResNet-50 (800 epochs)',
  },
  presets: { demo: updetrDemoPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) => {
      const config = resolveToken(run, UPDETR_CONFIG);
      return new UpdetrViewGenerator({
        scales: config.imageSize === undefined ? config.image.scales : [config.imageSize],
        maxSize: config.image.maxSize,
        numPatches: config.numPatches,
        patchSize: config.patch.size,
        colorJitter: config.patch.colorJitter,
        grayscale: config.patch.grayscale,
        blur: config.patch.blur,
      });
    });
    // The query patches: `get_random_patch_from_img`, numPatches boxes of side ≥ minPixel.
    provideFactory(container, REGION_SOURCE, (run) => {
      const config = resolveToken(run, UPDETR_CONFIG);
      return buildRegionSource(
        run,
        {
          algorithm: 'random',
          parameters: { random: { count: config.numPatches, minPixel: config.patch.minPixel } },
        },
        'updetr',
      );
    });
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, UPDETR_CONFIG);
      return new UpdetrMethod(
        config,
        resolveToken(run, RUN_RNG).fork('updetr'),
        resolveToken(run, LOGGER).child('updetr'),
        {
          views: resolveToken(run, VIEW_GENERATOR) as UpdetrViewGenerator,
          regions: resolveToken(run, REGION_SOURCE),
          // DETR's backbone: FrozenBatchNorm2d; `--fre_cnn` freezes every stage, otherwise the
          // stem and layer1 stay frozen as DETR's `BackboneBase` does.
          createBackbone: (rng) =>
            buildBackbone(run, config.backbone, rng, {
              method: 'updetr',
              levels: ['C5'],
              frozenNorm: true,
              frozenStages: config.backbone.frozen ? 4 : 1,
            }),
        },
        resolveToken(run, PROCESS_GROUP),
      );
    });
  },
});
