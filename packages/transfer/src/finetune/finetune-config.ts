import { backboneConfigSchema, optimizerConfigSchema } from '@ssdet/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * A fine-tune's configuration. The defaults are torchvision's `fasterrcnn_resnet50_fpn` with the
 * detectron2 / MoCo 1× recipe: SGD 0.02 at batch 16 (scaled linearly), momentum 0.9, weight decay
 * 1e-4, 100 linear warm-up steps from 0.1%, ÷10 at 2/3 and 8/9 of the run, multi-scale training.
 */
export const finetuneConfigSchema = z
  .object({
    /**
     * `auto`: the DETR-family detector an `--init` run pre-trained (UP-DETR, DETReg, …), else
     * Mask R-CNN when the training annotations have masks, else Faster R-CNN. `detr`
     * starts from {@link DETR_PRESET} (AdamW, frozen BatchNorm, backbone lr ÷10, clipping).
     */
    detector: z
      .enum(['auto', 'faster-rcnn', 'mask-rcnn', 'detr', 'deformable-detr'])
      .default('auto'),
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /**
     * Backbone normalisation: `bn` trains BatchNorm with batch statistics (MoCo's and DenseCL's
     * detection protocol; what self-supervised features need), `frozen` keeps the initial
     * statistics and affine (torchvision's and detectron2's ImageNet recipe), `gn` GroupNorm
     * (32 groups; independent of the batch size; a BatchNorm checkpoint's statistics are not used).
     */
    norm: z.enum(['bn', 'frozen', 'gn']).default('bn'),
    /**
     * Normalisation in the FPN: `auto` follows `norm` — BatchNorm with `bn` (the MoCo / DenseCL
     * detectron2 configs' `FPN.NORM: SyncBN`, which keeps pre-trained features, whose scale
     * differs from random init's, from blowing up the heads), none with `frozen` (torchvision).
     */
    fpnNorm: z.enum(['auto', 'none', 'bn']).default('auto'),
    /** Backbone stages not trained: −1 none, 0 the stem, k the stem and the first k stages. */
    frozenStages: z.number().int().min(-1).max(4).default(-1),
    input: z
      .object({
        /** Training draws a shorter side from these; evaluation uses the last. */
        shorterSides: z.array(positiveInt).min(1).default([640, 672, 704, 736, 768, 800]),
        maxSize: positiveInt.default(1333),
        flip: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        fpnChannels: positiveInt.default(256),
        representationSize: positiveInt.default(1024),
        rpnBatchSizePerImage: positiveInt.default(256),
        roiBatchSizePerImage: positiveInt.default(512),
        trainPreNmsTopN: positiveInt.default(2000),
        trainPostNmsTopN: positiveInt.default(2000),
        testPreNmsTopN: positiveInt.default(1000),
        testPostNmsTopN: positiveInt.default(1000),
        detectionsPerImage: positiveInt.default(100),
        /** Mask R-CNN's mask head: convolution widths and the predictor's channels. */
        maskHeadLayers: z.array(positiveInt).min(1).default([256, 256, 256, 256]),
        maskPredictorChannels: positiveInt.default(256),
      })
      .strict()
      .prefault({}),
    /** DETR's transformer (DETR-R50's values). */
    detr: z
      .object({
        dModel: positiveInt.default(256),
        numHeads: positiveInt.default(8),
        dimFeedforward: positiveInt.default(2048),
        encoderLayers: positiveInt.default(6),
        decoderLayers: positiveInt.default(6),
        dropout: z.number().min(0).lt(1).default(0.1),
        preNorm: z.boolean().default(false),
        numQueries: positiveInt.default(100),
      })
      .strict()
      .prefault({}),
    /** Deformable DETR's transformer (the official single-stage model's values). */
    deformableDetr: z
      .object({
        dModel: positiveInt.default(256),
        numHeads: positiveInt.default(8),
        dimFeedforward: positiveInt.default(1024),
        encoderLayers: positiveInt.default(6),
        decoderLayers: positiveInt.default(6),
        dropout: z.number().min(0).lt(1).default(0.1),
        numLevels: positiveInt.default(4),
        numPoints: positiveInt.default(4),
        numQueries: positiveInt.default(300),
      })
      .strict()
      .prefault({}),
    train: z
      .object({
        batchSize: positiveInt.default(2),
        epochs: positiveInt.default(12),
        maxSteps: positiveInt.optional(),
        optimizer: optimizerConfigSchema.prefault({
          type: 'sgd',
          lr: 0.02,
          momentum: 0.9,
          weightDecay: 1e-4,
        }),
        /** The learning rate `optimizer.lr` is for; the run scales it by batch / this. */
        referenceBatchSize: positiveInt.default(16),
        warmupSteps: z.number().int().min(0).default(100),
        warmupStartFactor: z.number().min(0).max(1).default(0.001),
        /** Fractions of the run after which the learning rate is multiplied by `gamma`. */
        decayAt: z.array(z.number().gt(0).lt(1)).default([2 / 3, 8 / 9]),
        gamma: z.number().positive().default(0.1),
        /** The backbone's learning rate relative to the rest (DETR: 0.1). */
        backboneLrMultiplier: z.number().min(0).default(1),
        /** Global gradient-norm clipping (DETR: 0.1); off when absent. */
        clipGradNorm: z.number().positive().optional(),
        seed: z.number().int().default(0),
        checkpointEvery: positiveInt.default(1000),
        keepCheckpoints: positiveInt.default(2),
        logEvery: positiveInt.default(20),
        /** Evaluate the validation split every this many steps (always after the last). */
        evalEvery: positiveInt.optional(),
        workers: z.number().int().min(0).default(0),
        concurrency: positiveInt.default(4),
        onBadImage: z.enum(['error', 'skip']).default('error'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type FinetuneConfig = z.output<typeof finetuneConfigSchema>;
export type FinetuneConfigInput = z.input<typeof finetuneConfigSchema>;

/** The learning rate of 0-based step `step` of `totalSteps` under `train`'s recipe. */
export function finetuneLearningRate(
  step: number,
  totalSteps: number,
  train: FinetuneConfig['train'],
): number {
  const peak = (train.optimizer.lr * train.batchSize) / train.referenceBatchSize;
  const warmup =
    step < train.warmupSteps
      ? train.warmupStartFactor + ((1 - train.warmupStartFactor) * step) / train.warmupSteps
      : 1;
  const decays = train.decayAt.filter(
    (fraction) => step >= Math.floor(fraction * totalSteps),
  ).length;
  return peak * warmup * train.gamma ** decays;
}

/**
 * What `--detector detr` changes under the user's configuration: DETR's recipe (`main.py`) —
 * AdamW 1e-4 (for batch 16, scaled to the batch) with weight decay 1e-4, the backbone at a tenth,
 * gradients clipped at 0.1, no warm-up, one ÷10 drop at 2/3 of the run, frozen BatchNorm.
 */
export const DETR_PRESET = {
  norm: 'frozen',
  train: {
    optimizer: { type: 'adamw', lr: 1e-4, weightDecay: 1e-4 },
    referenceBatchSize: 16,
    warmupSteps: 0,
    decayAt: [2 / 3],
    backboneLrMultiplier: 0.1,
    clipGradNorm: 0.1,
  },
} as const;

/**
 * What `--detector deformable-detr` changes under the user's configuration: the official recipe
 * (`main.py`, `configs/r50_deformable_detr.sh`) — AdamW 2e-4 for batch 32 (scaled to the batch),
 * weight decay 1e-4, the backbone at a tenth, gradients clipped at 0.1, no warm-up, one ÷10 drop
 * at 40 of 50 epochs, frozen BatchNorm.
 */
export const DEFORMABLE_DETR_PRESET = {
  norm: 'frozen',
  train: {
    optimizer: { type: 'adamw', lr: 2e-4, weightDecay: 1e-4 },
    referenceBatchSize: 32,
    warmupSteps: 0,
    decayAt: [0.8],
    backboneLrMultiplier: 0.1,
    clipGradNorm: 0.1,
  },
} as const;
