import {
  PRETRAIN_METHOD,
  RUN_RNG,
  definePlugin,
  pluginConfigToken,
  provideFactory,
  resolveToken,
} from '@ssdet/core';
import { socoConfigSchema, socoDemoPreset, socoStarPreset, type SocoConfig } from './config.js';
import { SocoMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';

/** The DI token of SoCo's resolved configuration in a run container. */
export const SOCO_CONFIG = pluginConfigToken<SocoConfig>('soco');

/** `ssdet pretrain --method soco`. */
export const plugin = definePlugin({
  name: 'soco',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'SoCo: selective object contrastive learning (Wei et al., NeurIPS 2021) — Selective Search boxes, ResNet + FPN + RoIAlign + box head, BYOL across views.',
  configSchema: socoConfigSchema,
  presets: { demo: socoDemoPreset, star: socoStarPreset },
  register(container) {
    provideFactory(
      container,
      PRETRAIN_METHOD,
      (run) =>
        new SocoMethod(resolveToken(run, SOCO_CONFIG), resolveToken(run, RUN_RNG).fork('soco')),
    );
  },
});
