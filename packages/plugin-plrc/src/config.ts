import { backboneConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { shuffleBnGroupsFor } from '@ssdet/nn';
import { z } from 'zod';

const positiveInt = () => z.number().int().positive();

/**
 * PLRC's hyper-parameters (Bai et al., "Point-Level Region Contrast for Object Detection
 * Pre-Training", CVPR 2022). Defaults are the paper's ImageNet recipe as the official code
 * (facebookresearch/PLRC, `main_plrc.py`, `PLRC/models/*`, `PLRC/datasets/imagenet.py`) sets it;
 * each default names its source. Where the official code departs from the paper, the default is
 * the paper and `officialQuirks` switches the code's behaviour on (the `official` preset: all of
 * them; see the README).
 */
export const plrcConfigSchema = z
  .object({
    /** Side of every view: RandomResizedCrop(224) (`im_size = 224`). A multiple of `regions.maskSize`. */
    imageSize: positiveInt().default(224),
    /** ResNet-50, C5 without pooling (official `ResNetPLRC`). Any registered backbone with a C5 level works. */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /**
     * The backbone's initialisation (official `resnet.ResNet.__init__`): convolutions N(0, 2/fan_out),
     * γ = 0 in every bottleneck's last BatchNorm.
     */
    init: z
      .object({ zeroInitResidual: z.boolean().default(true) })
      .strict()
      .prefault({}),
    views: z
      .object({
        /** RandomResizedCrop area range (`scale=(0.2, 1.0)`), aspect 3/4–4/3. */
        cropScale: z
          .tuple([z.number().positive().max(1), z.number().positive().max(1)])
          .default([0.2, 1]),
        /** A pair of crops is redrawn until intersection / larger area ≥ this (0.5). */
        minOverlap: z.number().min(0).max(1).default(0.5),
        /** … at most this many times, then the last pair is kept (`iii > 100`). */
        maxRedraws: z.number().int().min(0).default(100),
      })
      .strict()
      .prefault({}),
    regions: z
      .object({
        /** The fixed grid of regions over the image: 4 × 4 (`mask_grid_num`). */
        grid: z.number().int().min(2).default(4),
        /** Side of each view's region mask and of the upsampled distillation maps: 56 (`mask_size`). */
        maskSize: z.number().int().min(2).default(56),
        /** Points drawn per region (`mask_area_avgnum = 32`). */
        pointsPerRegion: positiveInt().default(32),
        /** Negative regions drawn per view (`mask_neg_num = 15`); see the README on their use. */
        negativeRegions: z.number().int().min(0).default(15),
        /** Points of the shared region kept for L_point (`keep_point = 16`). */
        keepPoints: positiveInt().default(16),
      })
      .strict()
      .prefault({}),
    heads: z
      .object({
        /** `fcs`: Linear(C5, 2048) → ReLU → Linear(2048, 128) per pixel (`build_mlp1`, `low_dim = 128`). */
        fcs: z
          .object({ hiddenDim: positiveInt().default(2048), outDim: positiveInt().default(128) })
          .strict()
          .prefault({}),
        /** `fcs_2` (`ProjHead`): hidden 2048, bottleneck 256, 4096 prototypes. */
        fcs2: z
          .object({
            hiddenDim: positiveInt().default(2048),
            bottleneckDim: positiveInt().default(256),
            outDim: positiveInt().default(4096),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Keys in the image queue (`Memory_Loss.Ks = [65536]`). */
    queueSize: positiveInt().default(65536),
    /** Momentum encoder θ_k ← m·θ_k + (1 − m)·θ_q (`m = 0.999`). */
    momentum: z.number().min(0).max(1).default(0.999),
    /** L_img's τ (`NCEAverage.compute_cont_loss(T=0.2)`). */
    imageTemperature: z.number().positive().default(0.2),
    point: z
      .object({
        /** SupCon's τ (`SupConLoss.temperature = 0.2`). */
        temperature: z.number().positive().default(0.2),
        /** SupCon's base temperature (0.07): the loss is scaled by τ / 0.07. */
        baseTemperature: z.number().positive().default(0.07),
      })
      .strict()
      .prefault({}),
    distillation: z
      .object({
        /** τ_s (`student_temp = 0.1`). */
        studentTemperature: z.number().positive().default(0.1),
        /** τ_t after the warm-up (`teacher_temp = 0.07`). */
        teacherTemperature: z.number().positive().default(0.07),
        /** τ_t at epoch 0 (`warmup_teacher_temp = 0.04`). */
        warmupTeacherTemperature: z.number().positive().default(0.04),
        /** Epochs of the linear τ_t warm-up (`warmup_teacher_temp_epochs = 30`). */
        warmupEpochs: z.number().int().min(0).default(30),
        /** Momentum of the teacher centre (`center_momentum = 0.9`). */
        centerMomentum: z.number().min(0).max(1).default(0.9),
        /** Affinities are divided by this (`/ 128.0`). */
        affinityScale: z.number().positive().default(128),
        /** Point pairs: centres closer than this × the larger bin diagonal (`pos_ratio = 0.5`). */
        pairRatio: z.number().positive().default(0.5),
      })
      .strict()
      .prefault({}),
    /**
     * λ of L = λ_img·L_img + λ_point·L_point + λ_ts·L_ts (paper §3.4; `im_ratio = 0.7`,
     * `cl_ratio = 0.3`, `ts_ratio = 0.3`).
     */
    lossWeights: z
      .object({
        image: z.number().min(0).default(0.7),
        point: z.number().min(0).default(0.3),
        distillation: z.number().min(0).default(0.3),
      })
      .strict()
      .prefault({}),
    /** The official code's departures from the paper, each off by default (see the README). */
    officialQuirks: z
      .object({
        /** L_img targets `arange(B)` over `[positive | queue]` logits (`NCEAverage`). */
        imageTargets: z.boolean().default(false),
        /** The queue drops the keys that do not fit before its end instead of wrapping round. */
        truncatingQueue: z.boolean().default(false),
        /** `main_plrc.py`'s swapped unpacking: L = L_img + λ_img·(λ_ts·L_ts + λ_point·L_point). */
        swappedLossWeights: z.boolean().default(false),
        /** Points sampled at (x, y) = (row, column) of the mask, the transposed position. */
        transposedPoints: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Shuffle-BN groups (MoCo §3.3; the official 8 GPUs); `auto` as DenseCL's. */
    shuffleBnGroups: z.union([z.literal('auto'), positiveInt()]).default('auto'),
    train: trainingConfigWithDefaults({
      /** `--batch-size 256` over 8 GPUs. */
      batchSize: 256,
      /** `--epochs 100`. */
      epochs: 100,
      /** SGD lr 0.03, momentum 0.9, weight decay 1e-4 (`main_plrc.py`). */
      optimizer: { type: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 },
      /** `adjust_learning_rate`: cosine to 0, set once per epoch. */
      schedule: { type: 'cosine', minLr: 0, granularity: 'epoch' },
      /** Not from the paper: a checkpoint every 5000 steps, a metrics line every 10 (`print_freq`). */
      checkpointEvery: 5000,
      logEvery: 10,
      data: { workers: 2 },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.imageSize % config.regions.maskSize !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['imageSize'],
        message: `imageSize (${config.imageSize}) must be a multiple of regions.maskSize (${config.regions.maskSize}): the region mask travels as the view's label mask`,
      });
    }
    if (config.regions.keepPoints > config.regions.pointsPerRegion) {
      context.addIssue({
        code: 'custom',
        path: ['regions', 'keepPoints'],
        message: `regions.keepPoints (${config.regions.keepPoints}) must not exceed regions.pointsPerRegion (${config.regions.pointsPerRegion})`,
      });
    }
    if (config.views.cropScale[0] > config.views.cropScale[1]) {
      context.addIssue({
        code: 'custom',
        path: ['views', 'cropScale'],
        message: `views.cropScale must be [min, max]; got [${config.views.cropScale.join(', ')}]`,
      });
    }
    const groups = config.shuffleBnGroups;
    if (
      groups !== 'auto' &&
      (config.train.batchSize % groups !== 0 || (groups > 1 && config.train.batchSize / groups < 2))
    ) {
      context.addIssue({
        code: 'custom',
        path: ['shuffleBnGroups'],
        message: `shuffleBnGroups must divide train.batchSize (${config.train.batchSize}) into groups of at least 2 images; got ${groups}`,
      });
    }
  })
  .transform((config) => ({
    ...config,
    shuffleBnGroups:
      config.shuffleBnGroups === 'auto'
        ? shuffleBnGroupsFor(config.train.batchSize)
        : config.shuffleBnGroups,
  }));

export type PlrcConfig = z.output<typeof plrcConfigSchema>;
export type PlrcConfigInput = z.input<typeof plrcConfigSchema>;

/**
 * `ssdet pretrain --method plrc --demo`: ResNet-18 at 1/8 width on 64-pixel views (2 × 2 C5, a
 * 16 × 16 region mask; no zero-initialised residual BatchNorm, as officially for BasicBlocks),
 * small heads (fcs 128 → 64; fcs_2 128 → 64 → 256 prototypes), batch 8 in two shuffle-BN groups,
 * 40 steps, about 1–2 minutes on 2 CPU cores with the native backend. So that a run this short
 * shows learning rather than transients: a queue of one batch (8 keys, real from step 2 on), a
 * momentum encoder that follows within the run (m 0.99), lr 0.5, the teacher temperature at its
 * final 0.07 from the start and a centre that settles within a few steps (momentum 0.5).
 */
export const plrcDemoPreset = {
  imageSize: 64,
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  init: { zeroInitResidual: false },
  regions: { maskSize: 16 },
  heads: {
    fcs: { hiddenDim: 128, outDim: 64 },
    fcs2: { hiddenDim: 128, bottleneckDim: 64, outDim: 256 },
  },
  queueSize: 8,
  momentum: 0.99,
  distillation: { warmupEpochs: 0, centerMomentum: 0.5 },
  shuffleBnGroups: 2,
  train: {
    batchSize: 8,
    maxSteps: 40,
    optimizer: { type: 'sgd', lr: 0.5, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { type: 'cosine', minLr: 0, granularity: 'step' },
    checkpointEvery: 20,
    logEvery: 1,
    data: { workers: 0 },
  },
} as const;

/** `--preset official`: every documented departure of the official code from the paper. */
export const plrcOfficialPreset = {
  officialQuirks: {
    imageTargets: true,
    truncatingQueue: true,
    swappedLossWeights: true,
    transposedPoints: true,
  },
} as const;
