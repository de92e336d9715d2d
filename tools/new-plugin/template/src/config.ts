import { backboneConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { z } from 'zod';

/**
 * __method__'s hyper-parameters: the paper's table. Every default is the paper's full-scale recipe,
 * with its source (section, table, official config file) beside it.
 *
 * The scaffold starts from BYOL's recipe (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020,
 * §3.3 "Implementation details"): replace each value and its comment with your paper's.
 */
export const __name__ConfigSchema = z
  .object({
    /** Side of both square views: random crops resized to 224 × 224 (§3.3, "Image augmentations"). */
    imageSize: z.number().int().min(32).default(224),
    /** ResNet-50, its C5 average-pooled (§3.3, "Architecture"); any registered backbone with a C5 level (`--backbone`). */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /** Projector g: Linear(C5, 4096) → BN → ReLU → Linear(4096, 256) (§3.3, "Architecture"). */
    projector: z
      .object({
        hiddenDim: z.number().int().positive().default(4096),
        outDim: z.number().int().positive().default(256),
      })
      .strict()
      .prefault({}),
    /** Predictor q: the same MLP on the projection, 256 → 4096 → 256 (§3.3, "Architecture"). */
    predictor: z
      .object({ hiddenDim: z.number().int().positive().default(4096) })
      .strict()
      .prefault({}),
    /** τ_base: the target network's EMA momentum, raised to 1 on a cosine over training (§3.3, "Optimization"). */
    momentum: z.number().min(0).max(1).default(0.996),
    /** Weight of the regression loss, BYOL's only term; a paper with several losses lists each λ here. */
    regressionWeight: z.number().min(0).default(1),
    train: trainingConfigWithDefaults({
      /** 4096 images per step (§3.3, "Optimization"). */
      batchSize: 4096,
      /** 1000 epochs (§3.3; the ablations of §5 train 300). */
      epochs: 1000,
      /**
       * LARS with base lr 0.2 and weight decay 1.5·10⁻⁶; biases and BatchNorm parameters get
       * neither (the optimizer's rule for ≤ 1-D variables) (§3.3, "Optimization").
       */
      optimizer: { type: 'lars', lr: 0.2, momentum: 0.9, weightDecay: 1.5e-6 },
      /** Cosine decay without restarts after a 10-epoch warm-up, lr = 0.2 × batch / 256 (§3.3). */
      schedule: {
        type: 'cosine',
        warmupEpochs: 10,
        minLr: 0,
        scaleWithBatch: true,
        granularity: 'step',
      },
      /** Not from the paper: a checkpoint every 1000 steps, a metrics line every 50. */
      checkpointEvery: 1000,
      logEvery: 50,
      data: { workers: 2 },
    }),
  })
  .strict();

export type __Name__Config = z.output<typeof __name__ConfigSchema>;
export type __Name__ConfigInput = z.input<typeof __name__ConfigSchema>;

/**
 * `ssdet pretrain --method __method__ --demo`: a ResNet-18 at 1/8 width on 64-pixel views of the
 * bundled synthetic scenes, small heads, batch 8 and 20 steps — well under a minute on 2 CPU
 * cores. LARS at lr 1 without batch scaling and a 2-step warm-up (the paper's 0.2 × 8 / 256 would
 * barely move), views on the training thread (workers cost more to start than 20 steps gain).
 */
export const __name__DemoPreset = {
  imageSize: 64,
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  projector: { hiddenDim: 128, outDim: 32 },
  predictor: { hiddenDim: 128 },
  train: {
    batchSize: 8,
    maxSteps: 20,
    optimizer: { type: 'lars', lr: 1.0, momentum: 0.9, weightDecay: 1.5e-6 },
    schedule: { type: 'cosine', warmupEpochs: 0, warmupSteps: 2, scaleWithBatch: false },
    checkpointEvery: 10,
    logEvery: 1,
    data: { workers: 0 },
  },
} as const;
