import type { ViewGenerator } from '../contracts/view-generator.js';

/** What a method asks a view recipe for. */
export interface ViewRecipeRequest {
  /** Side of the square output views. */
  readonly imageSize: number;
  /** The names the views get in a batch, in order (e.g. `query`, `key`). */
  readonly viewNames: readonly string[];
}

/**
 * A named augmentation recipe shared between methods (`mocov2`, `byol`): a plugin's views can
 * be "two MoCo v2 views" without a copy of the recipe.
 */
export interface ViewRecipeFactory {
  readonly name: string;
  readonly description: string;
  create(request: ViewRecipeRequest): ViewGenerator;
}
