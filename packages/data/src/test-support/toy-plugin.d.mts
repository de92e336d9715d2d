import type { MethodPlugin } from '@ssdet/core';

/** The toy method of toy-plugin.mjs (JavaScript, so child processes can load it). */
export declare const plugin: MethodPlugin;
/** This module's file, for data worker threads. */
export declare const entry: string;
