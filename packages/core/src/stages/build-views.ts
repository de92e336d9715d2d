import type { DependencyContainer } from 'tsyringe';
import type { ViewGenerator } from '../contracts/view-generator.js';
import { resolveToken } from '../di/token.js';
import { STAGES } from '../di/tokens.js';
import type { ViewRecipeRequest } from './view-recipe-factory.js';

/** Builds the views of the recipe registered as `name` (`mocov2`, `byol`) from the run's stages. */
export function buildViews(
  container: DependencyContainer,
  name: string,
  request: ViewRecipeRequest,
  method: string,
): ViewGenerator {
  return resolveToken(container, STAGES).viewRecipes.get(name, `${method}: views`).create(request);
}
