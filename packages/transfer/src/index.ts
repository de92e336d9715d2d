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
