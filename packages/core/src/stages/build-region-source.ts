import type { DependencyContainer } from 'tsyringe';
import type { RegionSource } from '../contracts/region-source.js';
import { resolveToken } from '../di/token.js';
import { STAGES } from '../di/tokens.js';
import type { RegionsConfig } from './stage-config.js';

/**
 * Builds the region source `config.algorithm` from the run's stages, with that algorithm's table
 * of `config.parameters` (none: the algorithm's defaults).
 */
export function buildRegionSource(
  container: DependencyContainer,
  config: Pick<RegionsConfig, 'algorithm' | 'parameters'>,
  method: string,
): RegionSource {
  return resolveToken(container, STAGES)
    .regionSources.get(config.algorithm, `${method}: regions.algorithm`)
    .create(config.parameters[config.algorithm] ?? {});
}
