import {
  LOGGER,
  PRETRAIN_METHOD,
  RUN_RNG,
  definePlugin,
  pluginConfigToken,
  provideFactory,
  resolveToken,
} from '@ssdet/core';
import { updetrConfigSchema, updetrDemoPreset, type UpdetrConfig } from './config.js';
import { UpdetrMethod } from './method.js';
import { PLUGIN_VERSION } from './version.js';

/** The DI token of UP-DETR's resolved configuration in a run container. */
export const UPDETR_CONFIG = pluginConfigToken<UpdetrConfig>('updetr');

/** `ssdet pretrain --method updetr`. */
export const plugin = definePlugin({
  name: 'updetr',
  version: PLUGIN_VERSION,
  coreRange: '^0.1.0',
  description:
    'UP-DETR: random query patch detection (Dai et al., CVPR 2021) — pre-trains the DETR transformer on a frozen CNN.',
  configSchema: updetrConfigSchema,
  presets: { demo: updetrDemoPreset },
  register(container) {
    provideFactory(
      container,
      PRETRAIN_METHOD,
      (run) =>
        new UpdetrMethod(
          resolveToken(run, UPDETR_CONFIG),
          resolveToken(run, RUN_RNG).fork('updetr'),
          resolveToken(run, LOGGER).child('updetr'),
        ),
    );
  },
});
