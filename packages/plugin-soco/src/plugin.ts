import {
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
  soco400EpochPreset,
  socoConfigSchema,
  socoDemoPreset,
  socoStarPreset,
  type SocoConfig,
} from './config.js';
import { SocoMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { SocoViewGenerator } from './views.js';

/** The DI token of SoCo's resolved configuration in a run container. */
export const SOCO_CONFIG = pluginConfigToken<SocoConfig>('soco');

/** `ssdet pretrain --method soco`. */
export const plugin = definePlugin({
  name: 'soco',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'SoCo: selective object contrastive learning (Wei et al., NeurIPS 2021) — Selective Search boxes, ResNet + FPN + RoIAlign + box head, BYOL across views.',
  includes: [nnPlugin, proposalsPlugin, dataPlugin],
  configSchema: socoConfigSchema,
  presets: { demo: socoDemoPreset, star: socoStarPreset, '400ep': soco400EpochPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) => {
      const config = resolveToken(run, SOCO_CONFIG);
      return new SocoViewGenerator({
        imageSize: config.imageSize,
        smallSize: config.views.smallSize,
        resizedSize: config.views.resizedSize,
        cropScale: config.views.cropScale,
        flipP: config.views.flipP,
        cutout: config.views.cutout,
        boxes: config.boxes,
      });
    });
    provideFactory(container, REGION_SOURCE, (run) => {
      const { regions } = resolveToken(run, SOCO_CONFIG);
      return withRegionCache(buildRegionSource(run, regions, 'soco'), regions);
    });
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, SOCO_CONFIG);
      return new SocoMethod(
        config,
        resolveToken(run, RUN_RNG).fork('soco'),
        {
          views: resolveToken(run, VIEW_GENERATOR) as SocoViewGenerator,
          regions: resolveToken(run, REGION_SOURCE),
          // `init`: the method's recipe (config.init), e.g. zero-initialised residual BN scales.
          createBackbone: (rng, init) =>
            buildBackbone(run, config.backbone, rng, {
              method: 'soco',
              levels: ['C2', 'C3', 'C4', 'C5'],
              init,
            }),
        },
        resolveToken(run, PROCESS_GROUP),
      );
    });
  },
});
