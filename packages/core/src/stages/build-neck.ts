import type { DependencyContainer } from 'tsyringe';
import type { Neck } from '../contracts/neck.js';
import { resolveToken } from '../di/token.js';
import { STAGES } from '../di/tokens.js';
import type { NeckRequest } from './neck-factory.js';

/** Builds the neck registered as `name` (`fpn`) from the run's stages. */
export function buildNeck(
  container: DependencyContainer,
  name: string,
  request: NeckRequest,
  method: string,
): Neck {
  return resolveToken(container, STAGES).necks.get(name, `${method}: neck`).create(request);
}
