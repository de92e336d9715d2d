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
import { detcoConfigSchema, detcoDemoPreset, type DetcoConfig } from './config.js';
import { DETCO_LEVELS, DETCO_STAGES } from './heads.js';
import { DetcoMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { DetcoViewGenerator } from './views.js';

/** The DI token of DetCo's resolved configuration in a run container. */
export const DETCO_CONFIG = pluginConfigToken<DetcoConfig>('detco');

/** `ssdet pretrain --method detco`; ssdet finds it through `"ssdet": { "plugin": true }` in package.json. */
export const plugin = definePlugin({
  name: 'detco',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'DetCo: global and local (jigsaw) contrast at every ResNet stage (Xie et al., ICCV 2021), MoCo-style queues.',
  includes: [nnPlugin, dataPlugin],
  configSchema: detcoConfigSchema,
  presets: { demo: detcoDemoPreset },
  register(container) {
    provideFactory(
      container,
      VIEW_GENERATOR,
      (run) => new DetcoViewGenerator(resolveToken(run, DETCO_CONFIG)),
    );
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, DETCO_CONFIG);
      return new DetcoMethod(
        config,
        resolveToken(run, RUN_RNG).fork('detco'),
        {
          views: resolveToken(run, VIEW_GENERATOR),
          createBackbone: (rng) =>
            buildBackbone(run, config.backbone, rng, {
              method: 'detco',
              levels: DETCO_STAGES.map((stage) => DETCO_LEVELS[stage]),
            }),
        },
        resolveToken(run, PROCESS_GROUP),
      );
    });
  },
});
