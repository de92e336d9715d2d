import { definePlugin, packageVersion } from '@ssdet/core';
import { REGION_SOURCE_FACTORIES } from './stages/region-source-factories.js';

/** `@ssdet/proposals` as a plugin package: it contributes its region sources. */
export const plugin = definePlugin({
  name: 'proposals',
  version: packageVersion(import.meta.url),
  coreRange: '^0.1.0',
  description: 'unsupervised region sources: Selective Search, FH masks, EdgeBoxes, random boxes',
  contributes: { regionSources: REGION_SOURCE_FACTORIES },
});
