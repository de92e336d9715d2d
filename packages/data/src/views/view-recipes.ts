import { byolViews, mocoV2Views } from './recipes.js';
import { SpecViewGenerator } from './spec-view-generator.js';
import { SsdetError, type ViewRecipeFactory } from '@ssdet/core';

/** MoCo v2's augmentation (DenseCL, DetCo, PLRC's global views): see {@link mocoV2Views}. */
export const MOCO_V2_RECIPE: ViewRecipeFactory = {
  name: 'mocov2',
  description: 'MoCo v2: RandomResizedCrop(0.2–1), ColorJitter 0.8, grayscale 0.2, blur 0.5, flip',
  create: ({ imageSize, viewNames }) =>
    new SpecViewGenerator(mocoV2Views(imageSize, twoNames('mocov2', viewNames))),
};

/** BYOL's asymmetric augmentation (two views): see {@link byolViews}. */
export const BYOL_RECIPE: ViewRecipeFactory = {
  name: 'byol',
  description: 'BYOL: asymmetric blur (1.0 / 0.1) and solarize (0 / 0.2) on two views',
  create: ({ imageSize, viewNames }) =>
    new SpecViewGenerator(byolViews(imageSize, twoNames('byol', viewNames))),
};

function twoNames(recipe: string, names: readonly string[]): readonly [string, string] {
  if (names.length !== 2)
    throw new SsdetError(
      'STAGE_UNSUITABLE',
      `View recipe "${recipe}" makes two views; ${names.length} view names were asked for (${names.join(', ')}).`,
    );
  return [names[0]!, names[1]!];
}
