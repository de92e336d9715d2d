import { SsdetError } from '../errors/ssdet-error.js';

/** Codes of the reasons a plugin is refused. */
export type PluginRefusalCode =
  | 'PLUGIN_INVALID'
  | 'PLUGIN_INCOMPATIBLE'
  | 'PLUGIN_DUPLICATE'
  | 'PLUGIN_LOAD_FAILED'
  | 'PLUGIN_NOT_FOUND';

export class PluginError extends SsdetError {
  declare readonly code: PluginRefusalCode | 'PLUGIN_UNKNOWN';
}
