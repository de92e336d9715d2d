import type { BackboneFactory } from './backbone-factory.js';
import type { NeckFactory } from './neck-factory.js';
import type { RegionSourceFactory } from './region-source-factory.js';
import type { ViewRecipeFactory } from './view-recipe-factory.js';

/** The stages a plugin package adds to the run's registries, each under its own name. */
export interface StageContributions {
  readonly backbones?: readonly BackboneFactory[];
  readonly necks?: readonly NeckFactory[];
  readonly regionSources?: readonly RegionSourceFactory[];
  readonly viewRecipes?: readonly ViewRecipeFactory[];
}

/** The kinds of stage, as `StageContributions` keys. */
export const STAGE_KINDS = ['backbones', 'necks', 'regionSources', 'viewRecipes'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

/** How each kind is named in messages. */
export const STAGE_KIND_LABELS: Readonly<Record<StageKind, string>> = {
  backbones: 'backbone',
  necks: 'neck',
  regionSources: 'region source',
  viewRecipes: 'view recipe',
};
