export { plugin } from './plugin.js';
export { BYOL_RECIPE, MOCO_V2_RECIPE } from './views/view-recipes.js';

export { BadImageError, type BadImageReason } from './bad-image-error.js';
export { decodeImage, DEFAULT_MAX_PIXELS, type DecodeOptions } from './decode-image.js';
export { CocoDataset, type CocoOptions } from './datasets/coco-dataset.js';
export {
  auditCocoBoxes,
  describeBoxAudit,
  type AuditedAnnotation,
  type BoxAudit,
} from './datasets/audit-coco-boxes.js';
export { ImageFolderDataset } from './datasets/image-folder-dataset.js';
export { ListFileDataset } from './datasets/list-file-dataset.js';
export { openDataset } from './datasets/open-dataset.js';
export { DataLoader, type BadImageEntry, type DataLoaderOptions } from './data-loader.js';
export {
  mapBoxesToView,
  mapMaskToView,
  mapPointsToView,
  type MappedBoxes,
} from './geometry/map-annotations.js';
export { gridCells } from './geometry/grid-cells.js';
export {
  roundHalfEven,
  sampleRandomResizedCrop,
  type RandomResizedCropOptions,
} from './geometry/random-resized-crop.js';
export { renderView } from './geometry/render-view.js';
export { DATA_NATIVE_ENV, useNativeImageKernels } from './native/image-kernels.js';
export { DATA_NATIVE_JPEG_ENV, useNativeJpegDecoder } from './native/jpeg-decoder.js';
export { shorterSideSize } from './geometry/resize-shorter-side.js';
export { drawDetrGeometry, type DetrGeometryOptions } from './geometry/detr-geometry.js';
export {
  DETREG_SCALES,
  detrGeometryConfigIssues,
  detrGeometryConfigSchema,
  type DetrGeometryConfig,
  type DetrGeometryConfigIssue,
} from './geometry/detr-geometry-config.js';
export { topLeftCanvas } from './geometry/top-left-canvas.js';
export { visibleBoxes } from './geometry/visible-boxes.js';
export { simclrColorAugmentationFields } from './photometric/simclr-color-config.js';
export {
  cropGeometry,
  flipGeometry,
  identityGeometry,
  mapBox,
  overlapOfViews,
  resizeGeometry,
  sourceToView,
  viewToSource,
  type Box,
} from './geometry/view-geometry.js';
export { adjustBrightness } from './photometric/adjust-brightness.js';
export { adjustContrast } from './photometric/adjust-contrast.js';
export { adjustHue } from './photometric/adjust-hue.js';
export { adjustSaturation } from './photometric/adjust-saturation.js';
export {
  applyColorJitter,
  drawColorJitter,
  type ColorJitterDraw,
  type ColorJitterStrength,
} from './photometric/color-jitter.js';
export { cutout } from './photometric/cutout.js';
export { blurKernelSizeFor, gaussianBlur } from './photometric/gaussian-blur.js';
export {
  pilBoxRadius,
  pilGaussianBlur,
  pilGaussianBlurBytes,
} from './photometric/pil-gaussian-blur.js';
export { applyPilColorJitter, applyPilColorJitterBytes } from './photometric/pil-color-jitter.js';
export { pilAdjustHue } from './photometric/pil-adjust-hue.js';
export {
  pilAdjustBrightness,
  pilAdjustContrast,
  pilAdjustSaturation,
  pilGrayscale,
  pilGrayscaleImage,
  pilLuma,
} from './photometric/pil-enhance.js';
export { grayscale } from './photometric/grayscale.js';
export { IMAGENET_MEAN, IMAGENET_STD, normalize } from './photometric/normalize.js';
export { fromPilBytes, toPilBytes, toRgbImage, type RgbImage } from './photometric/rgb-image.js';
export { solarize } from './photometric/solarize.js';
export { byolViews, mocoV2Views } from './views/recipes.js';
export { SpecViewGenerator } from './views/spec-view-generator.js';
export {
  viewSpecSchema,
  viewStepSchema,
  type ViewSpec,
  type ViewSpecInput,
  type ViewStep,
} from './views/view-spec.js';
export {
  writeSyntheticDataset,
  type SyntheticDatasetOptions,
  type SyntheticDatasetSummary,
} from './synthetic/write-synthetic-dataset.js';
export { SHAPE_CLASSES } from './synthetic/shapes.js';
export { type SampleProcessor } from './workers/sample-processor.js';
export { WorkerSampleProcessor } from './workers/worker-sample-processor.js';
export type { WorkerSetup } from './workers/worker-protocol.js';
export { ensureDemoDataset } from './synthetic/demo-dataset.js';
export { saveViewPreviews, type SaveViewPreviewsOptions } from './previews/save-view-previews.js';
export {
  runPretraining,
  type PretrainOutcome,
  type PretrainRequest,
} from './run/run-pretraining.js';
export {
  decodeRleCounts,
  encodeRleCounts,
  rleArea,
  rleFromBitmap,
  rleFromBox,
  rleFromPolygon,
  rleToBitmap,
  rleToBox,
  rleUnion,
  type Rle,
} from './datasets/coco-rle.js';
