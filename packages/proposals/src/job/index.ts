export {
  runRegionsJob,
  regionsJobFiles,
  type RegionsJobFiles,
  type RegionsJobOptions,
  type RegionsJobResult,
} from './regions-job.js';
export type { RegionsJobSummary, Statistic } from './job-summary.js';
export type { ImageDone, ImageFailed, ImageOutcome } from './image-outcome.js';
export { readManifest, type ManifestEntry, type ResumeCheck } from './manifest.js';
export {
  createRegionSource,
  isRegionAlgorithm,
  regionPresets,
  REGION_ALGORITHMS,
  type RegionAlgorithm,
  type RegionParameters,
} from './region-source-factory.js';
export { parseShard, shardIndices, WHOLE_DATASET, type Shard } from './shard.js';
export { imageRng } from './image-processor.js';
export { formatDuration } from './progress-reporter.js';
export { PREVIEW_LIMIT } from './write-preview.js';
