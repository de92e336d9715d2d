import {
  PRETRAIN_METHOD,
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
import { plrcConfigSchema, plrcDemoPreset, plrcOfficialPreset, type PlrcConfig } from './config.js';
import { PlrcMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { PlrcViewGenerator } from './views.js';

/** The DI token of PLRC's resolved configuration in a run container. */
export const PLRC_CONFIG = pluginConfigToken<PlrcConfig>('plrc');

/** The view generator of a resolved config. */
export function plrcViews(config: PlrcConfig): PlrcViewGenerator {
  return new PlrcViewGenerator({
    imageSize: config.imageSize,
    cropScale: config.views.cropScale,
    minOverlap: config.views.minOverlap,
    maxRedraws: config.views.maxRedraws,
    grid: config.regions.grid,
    maskSize: config.regions.maskSize,
  });
}

/** `ssdet pretrain --method plrc` (`--preset official` for the official code's quirks). */
export const plugin = definePlugin({
  name: 'plrc',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'PLRC: point-level region contrast with image-level MoCo and point-affinity self-distillation (Bai et al., CVPR 2022).',
  includes: [nnPlugin, dataPlugin],
  configSchema: plrcConfigSchema,
  presets: { demo: plrcDemoPreset, official: plrcOfficialPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) => plrcViews(resolveToken(run, PLRC_CONFIG)));
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, PLRC_CONFIG);
      return new PlrcMethod(config, resolveToken(run, RUN_RNG).fork('plrc'), {
        views: resolveToken(run, VIEW_GENERATOR),
        createBackbone: (rng) =>
          buildBackbone(run, config.backbone, rng, {
            method: 'plrc',
            levels: ['C5'],
            init: { zeroInitResidual: config.init.zeroInitResidual },
          }),
      });
    });
  },
});
