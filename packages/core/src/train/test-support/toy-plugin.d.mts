import type { SsdetPlugin } from '../../plugin/plugin.js';

/** The toy method of toy-plugin.mjs (JavaScript, so child processes can load it). */
export declare const plugin: SsdetPlugin;
