import { buildBackbone, type DependencyContainer, type Rng } from '@ssdet/core';
import { FasterRcnn } from '../detection/faster-rcnn.js';
import type { FinetuneConfig } from './finetune-config.js';

/**
 * The detector a fine-tune configuration describes, on its registered backbone: Faster R-CNN, or
 * Mask R-CNN (`detector` resolved from `auto` by the caller), with `numClasses` including
 * background.
 */
export function buildFinetuneDetector(
  root: DependencyContainer,
  config: FinetuneConfig,
  detector: 'faster-rcnn' | 'mask-rcnn',
  numClasses: number,
  rng: Rng,
): FasterRcnn {
  const backbone = buildBackbone(root, config.backbone, rng.fork('backbone'), {
    method: `finetune ${detector}`,
    levels: ['C2', 'C3', 'C4', 'C5'],
    norm: config.norm === 'bn' ? 'batch' : config.norm === 'gn' ? 'group' : 'frozen',
    frozenStages: config.frozenStages,
  });
  const proposals = (preNmsTopN: number, postNmsTopN: number) => ({
    preNmsTopN,
    postNmsTopN,
    nmsThreshold: 0.7,
    scoreThreshold: 0,
    minSize: 1e-3,
  });
  const { model } = config;
  return new FasterRcnn(backbone, {
    numClasses,
    fpnChannels: model.fpnChannels,
    fpnNorm:
      config.fpnNorm === 'bn' || (config.fpnNorm === 'auto' && config.norm === 'bn')
        ? 'batch'
        : 'none',
    representationSize: model.representationSize,
    rpnBatchSizePerImage: model.rpnBatchSizePerImage,
    roiSampling: {
      batchSizePerImage: model.roiBatchSizePerImage,
      positiveFraction: 0.25,
      foregroundIou: 0.5,
      backgroundIou: 0.5,
    },
    trainProposals: proposals(model.trainPreNmsTopN, model.trainPostNmsTopN),
    testProposals: proposals(model.testPreNmsTopN, model.testPostNmsTopN),
    detection: {
      scoreThreshold: 0.05,
      nmsThreshold: 0.5,
      detectionsPerImage: model.detectionsPerImage,
      minSize: 1e-2,
    },
    ...(detector === 'mask-rcnn'
      ? { mask: { layers: model.maskHeadLayers, dimReduced: model.maskPredictorChannels } }
      : {}),
    rng,
  });
}
