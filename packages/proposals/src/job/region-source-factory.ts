import { SsdetError, type RegionSource } from '@ssdet/core';
import {
  EdgeBoxesSource,
  FelzenszwalbSource,
  RandomBoxesSource,
  SELECTIVE_SEARCH_PRESETS,
  SelectiveSearchSource,
  type EdgeBoxesSourceOptions,
  type FelzenszwalbSourceOptions,
  type RandomBoxesSourceOptions,
  type SelectiveSearchSourceOptions,
} from '../sources/region-sources.js';

/** The algorithms `ssdet regions` and {@link runRegionsJob} can run. */
export const REGION_ALGORITHMS = ['selective-search', 'fh', 'edge-boxes', 'random'] as const;
export type RegionAlgorithm = (typeof REGION_ALGORITHMS)[number];

/** Flat settings of one algorithm, as given by `--preset` / `--set key=value`. */
export type RegionParameters = Readonly<Record<string, string | number | boolean>>;

export function isRegionAlgorithm(name: string): name is RegionAlgorithm {
  return (REGION_ALGORITHMS as readonly string[]).includes(name);
}

const PARAMETER_NAMES: Record<RegionAlgorithm, readonly string[]> = {
  'selective-search': [
    'preset',
    'baseK',
    'incK',
    'sigma',
    'resize',
    'maxBoxes',
    'filter',
    'swapRedBlue',
  ],
  fh: ['preset', 'variant', 'scale', 'sigma', 'minSize'],
  'edge-boxes': [
    'preset',
    'alpha',
    'beta',
    'eta',
    'minScore',
    'maxBoxes',
    'edgeMinMag',
    'edgeMergeThr',
    'clusterMinMag',
    'maxAspectRatio',
    'minBoxArea',
    'gamma',
    'kappa',
    'edgeSigma',
    'edgesDir',
  ],
  random: ['preset', 'count', 'minPixel'],
};

/**
 * Named settings per paper. Selective Search's presets are the source's own (`preset` stays a
 * parameter); the others expand into plain parameters here, so a preset and the equivalent
 * explicit settings share cache entries.
 */
const EXPANDED_PRESETS: Partial<Record<RegionAlgorithm, Record<string, RegionParameters>>> = {
  fh: { detcon: {} },
  'edge-boxes': { 'siamese-detr': { maxBoxes: 512 } },
  random: { 'up-detr': { count: 10, minPixel: 8 } },
};

/** The preset names `algorithm` accepts. */
export function regionPresets(algorithm: RegionAlgorithm): readonly string[] {
  return algorithm === 'selective-search'
    ? SELECTIVE_SEARCH_PRESETS
    : Object.keys(EXPANDED_PRESETS[algorithm] ?? {});
}

/**
 * Builds the region source of `algorithm` from flat parameters; unknown names, unknown presets and
 * out-of-range values throw `PROPOSALS_BAD_PARAMETER` naming the field. Worker threads call this
 * with the same arguments, so every thread runs an identical source.
 */
export function createRegionSource(
  algorithm: string,
  parameters: RegionParameters = {},
): RegionSource {
  if (!isRegionAlgorithm(algorithm)) {
    throw new SsdetError(
      'PROPOSALS_BAD_ALGORITHM',
      `Unknown region algorithm "${algorithm}"; expected one of ${REGION_ALGORITHMS.join(', ')}.`,
    );
  }
  const known = PARAMETER_NAMES[algorithm];
  for (const name of Object.keys(parameters)) {
    if (!known.includes(name)) {
      throw new SsdetError(
        'PROPOSALS_BAD_PARAMETER',
        `${algorithm}: unknown parameter "${name}"; known parameters: ${known.join(', ')}.`,
      );
    }
  }
  const settings = expandPreset(algorithm, parameters);
  switch (algorithm) {
    case 'selective-search':
      return new SelectiveSearchSource(settings as SelectiveSearchSourceOptions);
    case 'fh':
      return new FelzenszwalbSource(settings as FelzenszwalbSourceOptions);
    case 'edge-boxes':
      return new EdgeBoxesSource(settings as EdgeBoxesSourceOptions);
    case 'random':
      return new RandomBoxesSource(settings as RandomBoxesSourceOptions);
  }
}

function expandPreset(algorithm: RegionAlgorithm, parameters: RegionParameters): RegionParameters {
  const presets = EXPANDED_PRESETS[algorithm];
  const { preset, ...rest } = parameters;
  if (presets === undefined || preset === undefined) return parameters;
  const expansion = typeof preset === 'string' ? presets[preset] : undefined;
  if (expansion === undefined) {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      `${algorithm}: parameter "preset" must be one of ${Object.keys(presets).join(', ')}, got ${JSON.stringify(preset)}.`,
    );
  }
  return { ...expansion, ...rest };
}
