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
import { __name__ConfigSchema, __name__DemoPreset, type __Name__Config } from './config.js';
import { __Name__Method } from './method.js';
import { PLUGIN_VERSION } from './version.js';
import { __name__Views } from './views.js';

/** The DI token of __method__'s resolved configuration in a run container. */
export const __NAME___CONFIG = pluginConfigToken<__Name__Config>('__method__');

/** `ssdet pretrain --method __method__`; ssdet finds it through `"ssdet": { "plugin": true }` in package.json. */
export const plugin = definePlugin({
  name: '__method__',
  version: PLUGIN_VERSION,
  coreRange: '__coreRange__',
  description: '__method__: replace with one line on what the method learns (Authors, Venue Year).',
  includes: [nnPlugin, dataPlugin],
  configSchema: __name__ConfigSchema,
  presets: { demo: __name__DemoPreset },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) =>
      __name__Views(run, resolveToken(run, __NAME___CONFIG).imageSize),
    );
    provideFactory(container, PRETRAIN_METHOD, (run) => {
      const config = resolveToken(run, __NAME___CONFIG);
      return new __Name__Method(config, resolveToken(run, RUN_RNG).fork('__method__'), {
        views: resolveToken(run, VIEW_GENERATOR),
        createBackbone: (rng) =>
          buildBackbone(run, config.backbone, rng, { method: '__method__', levels: ['C5'] }),
      });
    });
  },
});
