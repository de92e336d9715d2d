import {
  PRETRAIN_METHOD,
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
  detconConfigSchema,
  detconDemoPreset,
  detconSPreset,
  type DetconConfig,
} from './config.js';
import { createDetconMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { DetconViewGenerator } from './views.js';

/** The DI token of DetCon's resolved configuration in a run container. */
export const DETCON_CONFIG = pluginConfigToken<DetconConfig>('detcon');

/**
 * `ssdet pretrain --method detcon` (DetCon-B) or `--method detcon --set variant=s` / `--preset s`
 * (DetCon-S). One method name for both: they share masks, views, pooling, loss and config, and
 * differ only in the networks.
 */
export const plugin = definePlugin({
  name: 'detcon',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'DetCon: contrastive detection over Felzenszwalb–Huttenlocher masks, DetCon-B (BYOL) and DetCon-S (SimCLR) (Hénaff et al., ICCV 2021).',
  includes: [nnPlugin, proposalsPlugin, dataPlugin],
  configSchema: detconConfigSchema,
  presets: { demo: detconDemoPreset, s: detconSPreset },
  register(container) {
    provideFactory(
      container,
      VIEW_GENERATOR,
      (run) => new DetconViewGenerator(resolveToken(run, DETCON_CONFIG).imageSize),
    );
    provideFactory(container, REGION_SOURCE, (run) => {
      const { regions } = resolveToken(run, DETCON_CONFIG);
      return withRegionCache(buildRegionSource(run, regions, 'detcon'), regions);
    });
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, DETCON_CONFIG);
      return createDetconMethod(config, resolveToken(run, RUN_RNG).fork('detcon'), {
        views: resolveToken(run, VIEW_GENERATOR),
        regions: resolveToken(run, REGION_SOURCE),
        createBackbone: (rng) =>
          buildBackbone(run, config.backbone, rng, {
            method: 'detcon',
            levels: ['C5'],
            init: { zeroInitResidual: config.init.zeroInitResidual },
          }),
      });
    });
  },
});
