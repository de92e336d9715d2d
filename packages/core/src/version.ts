import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const manifest = require('../package.json') as { version: string };

/** The version of this `@ssdet/core`, checked against every plugin's `coreRange`. */
export const CORE_VERSION_STRING: string = manifest.version;
