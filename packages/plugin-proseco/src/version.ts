import { packageVersion } from '@ssdet/core';

/** This package's version (from its package.json), reported by `ssdet plugins` and in checkpoints. */
export const PLUGIN_VERSION: string = packageVersion(import.meta.url);
