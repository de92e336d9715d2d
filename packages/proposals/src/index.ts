export { plugin } from './plugin.js';
export { REGION_SOURCE_FACTORIES } from './stages/region-source-factories.js';
export {
  felzenszwalb,
  type FelzenszwalbOptions,
  type FelzenszwalbVariant,
} from './segmentation/felzenszwalb.js';
export { adjustedRandIndex } from './segmentation/partition-agreement.js';
export {
  selectiveSearch,
  selectiveSearchConfig,
  type ColourSpace,
  type InitialSegmentation,
  type SelectiveSearchConfig,
  type SelectiveSearchMode,
  type SelectiveSearchResult,
} from './selective-search/selective-search.js';
export type { SimilarityMeasure } from './selective-search/similarity.js';
export { boxRecall, iou } from './selective-search/box-recall.js';
export {
  edgeBoxes,
  EDGE_BOXES_DEFAULTS,
  type EdgeBoxesOptions,
  type EdgeBoxesResult,
} from './edge-boxes/edge-boxes.js';
export { edgeMaps, edgeMapsFromEdges, type EdgeMaps } from './edge-boxes/edge-map.js';
export { edgeMapFile, readEdgeMap } from './edge-boxes/user-edge-map.js';
export { randomBoxes } from './random/random-boxes.js';
export { socoFilter, socoFilterTiered, type SocoFilterTier } from './filters/soco-filter.js';
export {
  SOCO_SELECTIVE_SEARCH_DEFAULTS,
  socoRectsToBoxes,
  socoSelectiveSearch,
  type SocoSelectiveSearchOptions,
  type SocoSelectiveSearchResult,
} from './selective-search/soco/soco-selective-search.js';
export { resizeBilinear } from './image/resize-bilinear.js';
export {
  EdgeBoxesSource,
  FelzenszwalbSource,
  maskBoxes,
  RandomBoxesSource,
  SELECTIVE_SEARCH_PRESETS,
  SelectiveSearchSource,
  type EdgeBoxesSourceOptions,
  type FelzenszwalbSourceOptions,
  type RandomBoxesSourceOptions,
  type SelectiveSearchPreset,
  type SelectiveSearchSourceOptions,
} from './sources/region-sources.js';
export { canonicalJson } from './cache/canonical-json.js';
export {
  imageHash,
  RegionCache,
  REGION_CACHE_VERSION,
  regionCacheKey,
  type CacheLookup,
} from './cache/region-cache.js';
export { CachedRegionSource, type CacheOutcome } from './cache/cached-region-source.js';
export { withRegionCache } from './cache/with-region-cache.js';
export { drawRegions, type PreviewOptions } from './preview/draw-regions.js';
export * from './job/index.js';
export { PROPOSALS_NATIVE_ENV, useNativeProposalKernels } from './native/proposal-kernels.js';
