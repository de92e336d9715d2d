export { plugin, __NAME___CONFIG } from './plugin.js';
export { plugin as default } from './plugin.js';
export {
  __name__ConfigSchema,
  __name__DemoPreset,
  type __Name__Config,
  type __Name__ConfigInput,
} from './config.js';
export { __Name__Method, type __Name__Stages } from './method.js';
export { __Name__Encoder, type __Name__EncoderOptions } from './encoder.js';
export { RegressionLoss, type RegressionInputs } from './losses/regression-loss.js';
export { __NAME___VIEW_NAMES, __name__Views } from './views.js';
export { PLUGIN_VERSION } from './version.js';
