import { backboneConfigSchema, regionsConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { z } from 'zod';

/** The stride of the ResNet level DetCon pools (C5): the official grid is the image / 32. */
export const DETCON_FEATURE_STRIDE = 32;

/**
 * DetCon's hyper-parameters (Hénaff et al., "Efficient Visual Pretraining with Contrastive
 * Detection", ICCV 2021). Defaults are the full-scale DetCon-B recipe of the paper and of the
 * official `detcon_b_config.py` (google-deepmind/detcon), which agree; each default names its
 * source. DetCon-S (`variant: s`) shares everything but the networks: no predictor, no target.
 */
export const detconConfigSchema = z
  .object({
    /**
     * `b`: DetCon-B, BYOL's framework — online network + predictor, EMA target network (official
     * code, paper §3.2). `s`: DetCon-S, SimCLR's framework — one network for both views, no
     * predictor and no target (paper §3.2; lightly's `DetConSLoss`).
     */
    variant: z.enum(['b', 's']).default('b'),
    /**
     * Side of both square views: random crops resized to 224 × 224 (paper §3.2, "Augmentations";
     * `output_image_size=224`). A multiple of 32, so that the mask grid is C5's (7 × 7 at 224).
     */
    imageSize: z.number().int().min(32).multipleOf(DETCON_FEATURE_STRIDE).default(224),
    /** ResNet-50 without its final pooling; C5 is mask-pooled (paper §3.2; official `final_mean_pool=False`). */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /**
     * The backbone's initialisation. `zeroInitResidual`: the official haiku ResNet (BYOL's
     * `ResNetTorso` with haiku's `BlockV1`) starts each block's last BatchNorm scale at 0.
     */
    init: z
      .object({ zeroInitResidual: z.boolean().default(true) })
      .strict()
      .prefault({}),
    /**
     * Where the masks come from: `@ssdet/proposals`' Felzenszwalb–Huttenlocher with skimage's
     * semantics on the full-resolution image, scale 1000, σ 0.8, min_size 1000 (preset `detcon`;
     * official `generate_fh_masks_for_imagenet.py`). Cached on disk (`ssdet regions --algorithm fh
     * --preset detcon` fills the same cache offline).
     */
    regions: regionsConfigSchema({
      algorithm: 'fh',
      parameters: { fh: { preset: 'detcon' } },
      cache: true,
    }),
    masks: z
      .object({
        /** Masks sampled per view and image, with replacement, among those present: 16 (paper §3.2; official `n_random_vectors=16`). */
        samples: z.number().int().positive().default(16),
        /** Mask ids one-hot encoded before pooling to the grid: 256 (official `max_mask_id`); labels wrap modulo this, as the official uint8 masks do. */
        maxMaskId: z.number().int().positive().max(65536).default(256),
      })
      .strict()
      .prefault({}),
    /** Projector g: Linear(C5, 4096) → BN → ReLU → Linear(4096, 256), no bias on the last layer (official `networks.MLP`, `mlp_hidden_size=4096`, `projection_size=256`). */
    projector: z
      .object({
        hiddenDim: z.number().int().positive().default(4096),
        outDim: z.number().int().positive().default(256),
      })
      .strict()
      .prefault({}),
    /** Predictor q (DetCon-B only): the same MLP on the projection, 256 → 4096 → 256 (official). */
    predictor: z
      .object({ hiddenDim: z.number().int().positive().default(4096) })
      .strict()
      .prefault({}),
    /** τ_base of the target's EMA, raised to 1 on a cosine over training (DetCon-B; official `base_target_ema=.996`). */
    momentum: z.number().min(0).max(1).default(0.996),
    /** τ of the contrastive detection loss: 0.1 (paper §3.1; official `nce_loss_temperature=0.1`). */
    temperature: z.number().positive().default(0.1),
    /** Weight of the contrastive detection loss, DetCon's only term. */
    lossWeight: z.number().min(0).default(1),
    train: trainingConfigWithDefaults({
      /** 4096 images per step (paper §3.2; official `train_batch_size=4096`). */
      batchSize: 4096,
      /** 1000 epochs, the paper's headline ImageNet runs (official default 100; the paper also reports 100–300). */
      epochs: 1000,
      /**
       * LARS, base lr 0.2, weight decay 1.5·10⁻⁶, trust coefficient η = 10⁻³, momentum 0.9;
       * biases and BatchNorm parameters get neither decay nor adaptation (official
       * `detcon_b_config.py` `lars_kwargs`, `exclude_bias_and_norm`).
       */
      optimizer: {
        type: 'lars',
        lr: 0.2,
        momentum: 0.9,
        weightDecay: 1.5e-6,
        trustCoefficient: 1e-3,
      },
      /**
       * lr = 0.2 × batch / 256, linear warm-up then cosine decay to 0, set every step (official
       * `schedules.learning_schedule`); warm-up epochs / 100 of training (official
       * `warmup_epochs = num_epochs // 100`): 10 at 1000 epochs.
       */
      schedule: {
        type: 'cosine',
        warmupEpochs: 10,
        minLr: 0,
        scaleWithBatch: true,
        referenceBatchSize: 256,
        granularity: 'step',
      },
      /** Not from the paper: a checkpoint every 1000 steps, a metrics line every 50. */
      checkpointEvery: 1000,
      logEvery: 50,
      data: { workers: 2 },
    }),
  })
  .strict();

export type DetconConfig = z.output<typeof detconConfigSchema>;
export type DetconConfigInput = z.input<typeof detconConfigSchema>;

/**
 * `ssdet pretrain --method detcon --demo`: ResNet-18 at 1/4 width on 96-pixel views (a 3 × 3 mask
 * grid) of the bundled synthetic scenes, FH masks at DetCon's settings on the full 320 × 240
 * scenes, 8 masks per view, small heads, batch 16, 60 steps. LARS at lr 5 without batch scaling
 * (the paper's 0.2 × 16 / 256 would barely move in 60 steps) after 4 warm-up steps, and a target
 * momentum of 0.9 so that DetCon-B's target follows within the run. Views on the training thread
 * (workers cost more to start than 60 steps gain). About 30 s on 2 CPU cores with the native
 * backend (the masks are computed in the first epoch and cached).
 */
export const detconDemoPreset = {
  imageSize: 96,
  backbone: { arch: 'resnet18', widthMultiplier: 0.25 },
  masks: { samples: 8 },
  projector: { hiddenDim: 256, outDim: 64 },
  predictor: { hiddenDim: 256 },
  momentum: 0.9,
  train: {
    batchSize: 16,
    maxSteps: 60,
    optimizer: { type: 'lars', lr: 5, momentum: 0.9, weightDecay: 1.5e-6 },
    schedule: { type: 'cosine', warmupEpochs: 0, warmupSteps: 4, scaleWithBatch: false },
    checkpointEvery: 30,
    logEvery: 1,
    data: { workers: 0 },
  },
} as const;

/**
 * `--preset s`: DetCon-S with SimCLR's optimisation (Chen et al., ICML 2020, §B.1; the paper builds
 * DetCon-S on SimCLR's recipe): LARS base lr 0.3 × batch / 256, weight decay 10⁻⁶, 10 warm-up
 * epochs. The projector keeps DetCon-B's size (see the README).
 */
export const detconSPreset = {
  variant: 's',
  train: {
    optimizer: { type: 'lars', lr: 0.3, momentum: 0.9, weightDecay: 1e-6, trustCoefficient: 1e-3 },
  },
} as const;
