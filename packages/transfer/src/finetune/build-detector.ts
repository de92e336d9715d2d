import { buildBackbone, type DependencyContainer, type Rng } from '@ssdet/core';
import type { Detector } from '../detection/detector.js';
import { DeformableDetrDetector } from '../detection/deformable-detr-detector.js';
import { DetrDetector } from '../detection/detr-detector.js';
import { FasterRcnn } from '../detection/faster-rcnn.js';

/** The detectors `ssdet finetune --detector` trains (`auto` resolved). */
export type FinetuneDetectorName = 'faster-rcnn' | 'mask-rcnn' | 'detr' | 'deformable-detr';
import type { FinetuneConfig } from './finetune-config.js';

/**
 * The detector a fine-tune configuration describes, on its registered backbone: Faster R-CNN,
 * Mask R-CNN, DETR or Deformable DETR (`detector` resolved from `auto` by the caller), with `numClasses`
 * including background.
 */
export function buildFinetuneDetector(
  root: DependencyContainer,
  config: FinetuneConfig,
  detector: FinetuneDetectorName,
  numClasses: number,
  rng: Rng,
): Detector {
  const backbone = buildBackbone(root, config.backbone, rng.fork('backbone'), {
    method: `finetune ${detector}`,
    levels:
      detector === 'detr'
        ? ['C5']
        : detector === 'deformable-detr'
          ? ['C3', 'C4', 'C5']
          : ['C2', 'C3', 'C4', 'C5'],
    norm: config.norm === 'bn' ? 'batch' : config.norm === 'gn' ? 'group' : 'frozen',
    frozenStages: config.frozenStages,
  });
  if (detector === 'detr')
    return new DetrDetector(backbone, { numClasses: numClasses - 1, ...config.detr, rng });
  if (detector === 'deformable-detr')
    return new DeformableDetrDetector(backbone, {
      numClasses: numClasses - 1,
      ...config.deformableDetr,
      detectionsPerImage: config.model.detectionsPerImage,
      rng,
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
