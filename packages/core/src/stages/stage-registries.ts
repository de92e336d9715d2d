import type { BackboneFactory } from './backbone-factory.js';
import type { NeckFactory } from './neck-factory.js';
import type { RegionSourceFactory } from './region-source-factory.js';
import {
  STAGE_KINDS,
  STAGE_KIND_LABELS,
  type StageContributions,
  type StageKind,
} from './stage-contributions.js';
import { StageRegistry, type NamedFactory } from './stage-registry.js';
import type { ViewRecipeFactory } from './view-recipe-factory.js';

/**
 * The process's named stages, one registry per kind. The root container binds one instance
 * (`STAGES`); the plugin registry fills it from every plugin's `contributes`; methods resolve it
 * from their run container and build their backbone, neck, region source and views by name.
 */
export class StageRegistries {
  readonly backbones = new StageRegistry<BackboneFactory>(STAGE_KIND_LABELS.backbones);
  readonly necks = new StageRegistry<NeckFactory>(STAGE_KIND_LABELS.necks);
  readonly regionSources = new StageRegistry<RegionSourceFactory>(STAGE_KIND_LABELS.regionSources);
  readonly viewRecipes = new StageRegistry<ViewRecipeFactory>(STAGE_KIND_LABELS.viewRecipes);

  /**
   * Adds every factory of `contributions`, or none: a name clash in any kind throws before
   * anything is added, so a refused plugin leaves no half of itself behind.
   */
  addAll(contributions: StageContributions, contributor: string): void {
    for (const kind of STAGE_KINDS) {
      const staged = new StageRegistry<NamedFactory>(STAGE_KIND_LABELS[kind]);
      for (const factory of contributions[kind] ?? []) {
        this.registry(kind).check(factory, contributor);
        staged.add(factory, contributor);
      }
    }
    for (const kind of STAGE_KINDS)
      for (const factory of contributions[kind] ?? [])
        this.registry(kind).add(factory, contributor);
  }

  /** Names per kind contributed by `contributor`, for `ssdet plugins`. */
  contributedBy(contributor: string): Record<StageKind, string[]> {
    const result = {} as Record<StageKind, string[]>;
    for (const kind of STAGE_KINDS)
      result[kind] = this.registry(kind)
        .list()
        .filter((entry) => entry.contributor === contributor)
        .map((entry) => entry.factory.name);
    return result;
  }

  registry(kind: StageKind): StageRegistry<NamedFactory> {
    return this[kind];
  }
}
