import { definePlugin, packageVersion } from '@ssdet/core';
import { BYOL_RECIPE, MOCO_V2_RECIPE } from './views/view-recipes.js';

/** `@ssdet/data` as a plugin package: it contributes the shared view recipes. */
export const plugin = definePlugin({
  name: 'data',
  version: packageVersion(import.meta.url),
  coreRange: '^0.1.0',
  description: 'datasets, decoding, augmentations and the view recipes mocov2 and byol',
  contributes: { viewRecipes: [MOCO_V2_RECIPE, BYOL_RECIPE] },
});
