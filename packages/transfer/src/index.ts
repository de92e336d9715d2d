export {
  checkGroundTruth,
  checkResults,
  type CocoAnnotation,
  type CocoCategory,
  type CocoGroundTruth,
  type CocoImage,
  type CocoResult,
  type CocoSegmentation,
  type IouType,
} from './coco/coco-format.js';
export { defaultCocoEvalParams, type CocoEvalParams } from './coco/coco-eval-params.js';
export { evaluateCoco, type CocoEvaluation } from './coco/coco-eval.js';
export { COCO_STAT_NAMES } from './coco/summarize.js';
export { boxIou, maskIou } from './coco/iou.js';
export { segmentationToRle } from './coco/annotation-mask.js';
export { readCocoEvaluationInputs } from './coco/read-coco-files.js';
export { readVocDataset, type VocGroundTruth, type VocOptions } from './datasets/voc-dataset.js';
export {
  boxIouMatrix,
  clipBoxesToImage,
  removeSmallBoxes,
  type Boxes,
} from './detection/box-ops.js';
export { batchedNms, nms } from './detection/nms.js';
export { BOX_XFORM_CLIP, BoxCoder } from './detection/box-coder.js';
export { AnchorGenerator, featureGrids, type FeatureGrid } from './detection/anchor-generator.js';
export { BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS, matchPredictions } from './detection/matcher.js';
export { RpnHead } from './detection/rpn-head.js';
export {
  RPN_TEST_PROPOSALS,
  rpnProposals,
  type ProposalOptions,
} from './detection/rpn-proposals.js';
export { sampleBalanced, type BalancedSample } from './detection/balanced-sampler.js';
export { smoothL1Sum } from './detection/smooth-l1.js';
export { assignAnchorTargets, type AnchorTargets } from './detection/rpn-targets.js';
export {
  binaryCrossEntropyWithLogits,
  rpnLoss,
  type RpnLossTargets,
} from './detection/rpn-loss.js';
export {
  labelRois,
  roiTargets,
  ROI_SAMPLING_DEFAULTS,
  selectRoiTrainingSamples,
  type LabeledRois,
  type RoiSamplingOptions,
  type RoiTrainingSamples,
} from './detection/roi-training-samples.js';
export { TwoMlpHead } from './detection/two-mlp-head.js';
export { FastRcnnPredictor } from './detection/fast-rcnn-predictor.js';
export { fastRcnnLoss } from './detection/fast-rcnn-loss.js';
export {
  DETECTION_DEFAULTS,
  postprocessDetections,
  type DetectionOptions,
  type Detections,
} from './detection/postprocess-detections.js';
export {
  FasterRcnn,
  MASK_SIZE,
  RPN_TRAIN_PROPOSALS,
  type FasterRcnnLosses,
  type FasterRcnnOptions,
} from './detection/faster-rcnn.js';
export {
  readLabeledSplit,
  type LabeledSplit,
  type LabeledSplitOptions,
} from './datasets/labeled-split.js';
export { LabeledDataset } from './datasets/labeled-dataset.js';
export {
  canvasSize,
  cropToBatchExtent,
  DETECTION_VIEW,
  DetectionViews,
  type DetectionViewOptions,
} from './finetune/detection-views.js';
export { DetectorTraining } from './finetune/detector-training.js';
export {
  DEFORMABLE_DETR_PRESET,
  DETR_PRESET,
  finetuneConfigSchema,
  finetuneLearningRate,
  type FinetuneConfig,
  type FinetuneConfigInput,
} from './finetune/finetune-config.js';
export { initializeDetector, type Initialization } from './finetune/initialize-detector.js';
export { detectImages, toCocoResults, type ImageDetections } from './finetune/detect-images.js';
export {
  imageSizeInput,
  runFinetune,
  type FinetuneOutcome,
  type FinetuneRequest,
} from './finetune/run-finetune.js';
export { DEMO_BENCHMARK, FULL_BENCHMARK, type BenchmarkPlan } from './benchmark/benchmark-plan.js';
export {
  benchmarkHtml,
  benchmarkMarkdown,
  meanStd,
  type BenchmarkRow,
} from './benchmark/benchmark-table.js';
export {
  runBenchmark,
  type BenchmarkOutcome,
  type BenchmarkRequest,
} from './benchmark/run-benchmark.js';
export { buildFinetuneDetector, type FinetuneDetectorName } from './finetune/build-detector.js';
export { DetrDetector, type DetrOptions } from './detection/detr-detector.js';
export {
  DeformableDetrDetector,
  type DeformableDetrOptions,
} from './detection/deformable-detr-detector.js';
export { drawDetections } from './finetune/draw-detections.js';
export { runDetect, type DetectRequest } from './finetune/run-detect.js';
export { MaskRcnnHeads } from './detection/mask-rcnn-heads.js';
export { MaskRcnnPredictor } from './detection/mask-rcnn-predictor.js';
export { maskRcnnLoss } from './detection/mask-rcnn-loss.js';
export { projectMasksOnBoxes, type ObjectMasks } from './detection/mask-targets.js';
export { pasteMask } from './detection/paste-masks.js';
export type { DetectionInput, DetectionTargets, Detector } from './detection/detector.js';
