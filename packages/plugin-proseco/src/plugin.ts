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
import { prosecoConfigSchema, prosecoDemoPreset, type ProsecoConfig } from './config.js';
import { ProsecoMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { ProsecoViewGenerator } from './views.js';

/** The DI token of ProSeCo's resolved configuration in a run container. */
export const PROSECO_CONFIG = pluginConfigToken<ProsecoConfig>('proseco');

/** `ssdet pretrain --method proseco`; ssdet finds it through `"ssdet": { "plugin": true }` in package.json. */
export const plugin = definePlugin({
  name: 'proseco',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    "ProSeCo: a Deformable DETR student finds Selective Search boxes and contrasts its object embeddings with an EMA teacher's, positives chosen by box overlap (Bouniot et al., ICLR 2023).",
  includes: [nnPlugin, proposalsPlugin, dataPlugin],
  configSchema: prosecoConfigSchema,
  // `--demo` freezes a small CNN pre-training run; a full-scale run needs real weights.
  pretrainedBackbone: {
    configKey: 'backboneWeights',
    paperBackbone:
      'a ResNet-50 pre-trained without labels, ideally with an object-level method (the paper argues for backbone/head consistency)',
  },
  presets: { demo: prosecoDemoPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) => {
      const config = resolveToken(run, PROSECO_CONFIG);
      return new ProsecoViewGenerator({
        scales: config.imageSize === undefined ? config.image.scales : [config.imageSize],
        maxSize: config.image.maxSize,
        flipP: config.image.flipP,
        plainResizeP: config.imageSize === undefined ? config.image.plainResizeP : 1,
        cropResizes: config.image.cropResizes,
        cropSize: config.image.cropSize,
        maxPriors: config.maxPriors,
        minPriors: config.minPriors,
        strong: config.strongAugmentation,
      });
    });
    // The K boxes: Selective Search (preset `detreg`), fresh at every access unless cached.
    provideFactory(container, REGION_SOURCE, (run) => {
      const { regions } = resolveToken(run, PROSECO_CONFIG);
      return withRegionCache(buildRegionSource(run, regions, 'proseco'), regions);
    });
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, PROSECO_CONFIG);
      return new ProsecoMethod(
        config,
        resolveToken(run, RUN_RNG).fork('proseco'),
        resolveToken(run, LOGGER).child('proseco'),
        {
          views: resolveToken(run, VIEW_GENERATOR) as ProsecoViewGenerator,
          regions: resolveToken(run, REGION_SOURCE),
          // Deformable DETR's backbone: FrozenBatchNorm2d, every stage frozen (lr 0).
          createBackbone: (rng) =>
            buildBackbone(run, config.backbone, rng, {
              method: 'proseco',
              levels: ['C3', 'C4', 'C5'],
              frozenNorm: true,
              frozenStages: 4,
            }),
        },
        resolveToken(run, PROCESS_GROUP),
      );
    });
  },
});
