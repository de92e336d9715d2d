import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const manifest = require('../package.json') as { version: string };

/** This package's version (from its package.json), reported by `ssdet plugins` and in checkpoints. */
export const PLUGIN_VERSION: string = manifest.version;
