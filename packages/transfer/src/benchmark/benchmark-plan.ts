import type { ConfigObject } from '@ssdet/core';

/** Sizes and budgets of one benchmark: the same for every initialisation. */
export interface BenchmarkPlan {
  readonly name: 'full' | 'demo';
  /** Synthetic scenes: unlabeled (pre-training), labeled (fine-tuning) and validation. */
  readonly unlabeledImages: number;
  readonly labeledImages: number;
  readonly valImages: number;
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** Every method pre-trains on this many images in total (steps × its batch size). */
  readonly pretrainImages: number;
  readonly backbone: { readonly arch: string; readonly widthMultiplier: number };
  readonly seeds: readonly number[];
  /** The fine-tune configuration every initialisation gets. */
  readonly finetune: ConfigObject;
  /**
   * What DETR and Deformable DETR fine-tunes change on top (over their recipes): the
   * transformer's shape for random init (a DETR-family run brings its own), and the learning rate.
   */
  readonly detrFinetune: ConfigObject;
}

/** UP-DETR's demo shape (the DETR-family methods pre-train with their demo presets here). */
const SMALL_DETR: ConfigObject = {
  dModel: 32,
  numHeads: 4,
  dimFeedforward: 64,
  encoderLayers: 2,
  decoderLayers: 2,
  preNorm: true,
  numQueries: 20,
};

/** DETReg's demo shape, for the random-init Deformable DETR row (a DETReg run brings its own). */
const SMALL_DEFORMABLE_DETR: ConfigObject = {
  dModel: 32,
  numHeads: 4,
  dimFeedforward: 64,
  encoderLayers: 2,
  decoderLayers: 2,
  numLevels: 4,
  numPoints: 2,
  numQueries: 30,
};

const smallDetector = (fpnChannels: number, representationSize: number): ConfigObject => ({
  fpnChannels,
  representationSize,
  rpnBatchSizePerImage: 128,
  roiBatchSizePerImage: 128,
  trainPreNmsTopN: 600,
  trainPostNmsTopN: 300,
  testPreNmsTopN: 300,
  testPostNmsTopN: 150,
});

/**
 * The low-label regime on synthetic scenes: 2,000 unlabeled images (3 epochs of pre-training for
 * every method), 100 labeled, 500 for validation, ResNet-18 at quarter width, 12 fine-tuning
 * epochs, 3 seeds.
 */
export const FULL_BENCHMARK: BenchmarkPlan = {
  name: 'full',
  unlabeledImages: 2000,
  labeledImages: 100,
  valImages: 500,
  imageWidth: 320,
  imageHeight: 240,
  pretrainImages: 2000 * 3,
  backbone: { arch: 'resnet18', widthMultiplier: 0.25 },
  seeds: [0, 1, 2],
  finetune: {
    detector: 'faster-rcnn',
    input: { shorterSides: [192, 208, 224, 240], maxSize: 320 },
    model: {
      ...smallDetector(64, 256),
      trainPreNmsTopN: 1000,
      trainPostNmsTopN: 500,
      testPreNmsTopN: 500,
      testPostNmsTopN: 250,
    },
    train: {
      batchSize: 4,
      epochs: 12,
      warmupSteps: 50,
      logEvery: 10,
      checkpointEvery: 500,
      optimizer: { type: 'sgd', lr: 0.08, momentum: 0.9, weightDecay: 1e-4 },
    },
  },
  // AdamW 1e-4 at batch 4 (DETR's 1e-4 is for batch 16; the short schedule needs the full rate).
  detrFinetune: {
    detr: SMALL_DETR,
    deformableDetr: SMALL_DEFORMABLE_DETR,
    train: { optimizer: { type: 'adamw', lr: 4e-4, weightDecay: 1e-4 } },
  },
};

/** Small enough for CI (two cores, native backend): the same pipeline end to end. */
export const DEMO_BENCHMARK: BenchmarkPlan = {
  name: 'demo',
  unlabeledImages: 32,
  labeledImages: 12,
  valImages: 12,
  imageWidth: 160,
  imageHeight: 120,
  pretrainImages: 96,
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  seeds: [0, 1, 2],
  finetune: {
    detector: 'faster-rcnn',
    input: { shorterSides: [96, 120], maxSize: 160 },
    model: smallDetector(32, 64),
    train: {
      batchSize: 2,
      maxSteps: 12,
      warmupSteps: 2,
      logEvery: 4,
      optimizer: { type: 'sgd', lr: 0.08, momentum: 0.9, weightDecay: 1e-4 },
    },
  },
  detrFinetune: {
    detr: SMALL_DETR,
    deformableDetr: SMALL_DEFORMABLE_DETR,
    train: { optimizer: { type: 'adamw', lr: 8e-4, weightDecay: 1e-4 } },
  },
};
