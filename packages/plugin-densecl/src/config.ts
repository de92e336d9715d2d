import { backboneConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { shuffleBnGroupsFor } from '@ssdet/nn';
import { z } from 'zod';

/**
 * DenseCL's hyper-parameters. Every default is the paper's ImageNet recipe (Wang et al., "Dense
 * Contrastive Learning for Self-Supervised Visual Pre-Training", CVPR 2021, §4 "Experimental
 * settings") as written in the official config `configs/selfsup/densecl/densecl_imagenet_200ep.py`
 * of WXinlong/DenseCL; the source of each value is noted beside it.
 */
export const denseclConfigSchema = z
  .object({
    /** Side of both square views: RandomResizedCrop(224) in `train_pipeline`. */
    imageSize: z.number().int().min(32).default(224),
    /**
     * `backbone=dict(type='ResNet', depth=50, out_indices=[4])`: ResNet-50, C5 only. Any
     * registered backbone with a C5 level works (`--backbone`).
     */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    neck: z
      .object({
        /** `DenseCLNeck(hid_channels=2048)`: hidden width of both the FC and the 1×1-conv MLP. */
        hiddenDim: z.number().int().positive().default(2048),
        /** `feat_dim=128` / `DenseCLNeck(out_channels=128)`: the embedding size of q, k, r, t. */
        outDim: z.number().int().positive().default(128),
      })
      .strict()
      .prefault({}),
    /**
     * How both encoders are first drawn, as OpenSelfSup does it (`DenseCL.init_weights`: the
     * query encoder is initialised, then copied into the key encoder).
     */
    init: z
      .object({
        /**
         * `ResNet.init_weights`: `kaiming_init(m, mode='fan_in', nonlinearity='relu')` on every
         * convolution — N(0, 2/fan_in). `kaimingNormalFanOut` is torchvision's N(0, 2/fan_out).
         * BatchNorm starts at γ = 1, β = 0 either way.
         */
        backboneConv: z
          .enum(['kaimingNormalFanIn', 'kaimingNormalFanOut'])
          .default('kaimingNormalFanIn'),
        /**
         * `zero_init_residual`: γ = 0 in each block's last BatchNorm. False: the ResNet's default,
         * which DenseCL's configs do not change.
         */
        zeroInitResidual: z.boolean().default(false),
        /**
         * `DenseCLNeck.init_weights(init_linear='kaiming')`: the global head's FC weights
         * N(0, 2/fan_in), biases 0. `normal001` is OpenSelfSup's other choice
         * (`init_linear='normal'`: N(0, 0.01²), biases 0). The dense head's 1×1 convolutions keep
         * PyTorch's default (U(±1/√fan_in)) either way, as officially.
         */
        neckLinear: z.enum(['kaimingNormalFanIn', 'normal001']).default('kaimingNormalFanIn'),
      })
      .strict()
      .prefault({}),
    /** `queue_len=65536`: keys in each of the two queues (global and dense). */
    queueSize: z.number().int().positive().default(65536),
    /** `momentum=0.999`: key encoder θ_k ← m·θ_k + (1 − m)·θ_q after every step (MoCo eq. 2). */
    momentum: z.number().min(0).max(1).default(0.999),
    /** `ContrastiveHead(temperature=0.2)`: τ of both InfoNCE losses. */
    temperature: z.number().positive().default(0.2),
    /** `loss_lambda=0.5`: λ in L = (1 − λ)·L_q + λ·L_r (paper eq. 3 and table 7). */
    lossLambda: z.number().min(0).max(1).default(0.5),
    /**
     * `DenseCLWarmupHook(start_iters)`: λ = 0 for the first this-many optimizer steps. Off (0) as
     * in every official config; the hook's own default, when it is enabled, is 1000.
     */
    warmupSteps: z.number().int().min(0).default(0),
    /**
     * Shuffle-BN in one process. The official run has 8 GPUs × 32 images (`imgs_per_gpu=32`,
     * "total 32*8=256"), BatchNorm per GPU, and keys shuffled across GPUs (MoCo §3.3). Here the
     * batch is split into this many equal groups that are normalised separately, queries in
     * order and keys after a random permutation: 8 reproduces the official setting. 1 normalises
     * each view over the whole batch (no shuffle); see the README. `auto` (default): the largest
     * count up to 8 that splits train.batchSize into groups of at least 2 images — 8 for the
     * paper's 256, 2 for a batch of 4 (`shuffleBnGroupsFor`).
     */
    shuffleBnGroups: z.union([z.literal('auto'), z.number().int().positive()]).default('auto'),
    train: trainingConfigWithDefaults({
      /** imgs_per_gpu=32 × 8 GPUs. */
      batchSize: 256,
      /** total_epochs = 200. */
      epochs: 200,
      /** optimizer = dict(type='SGD', lr=0.03, weight_decay=0.0001, momentum=0.9). */
      optimizer: { type: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 },
      /** lr_config = dict(policy='CosineAnnealing', min_lr=0.): mmcv updates it once per epoch. */
      schedule: { type: 'cosine', minLr: 0, granularity: 'epoch' },
      /** checkpoint_config = dict(interval=10) epochs; here in steps (~10 epochs of 5004 steps). */
      checkpointEvery: 5000,
      /** base.py log_config interval=50. */
      logEvery: 50,
      data: { workers: 2 },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    const groups = config.shuffleBnGroups;
    if (
      groups !== 'auto' &&
      (config.train.batchSize % groups !== 0 || (groups > 1 && config.train.batchSize / groups < 2))
    ) {
      context.addIssue({
        code: 'custom',
        path: ['shuffleBnGroups'],
        message: `shuffleBnGroups must divide train.batchSize (${config.train.batchSize}) into groups of at least 2 images; got ${groups} (set shuffleBnGroups=auto, which gives ${shuffleBnGroupsFor(config.train.batchSize)} here, or another divisor of the batch size)`,
      });
    }
  })
  // `auto` follows the batch the user chose (the paper's 8 for its 256).
  .transform((config) => ({
    ...config,
    shuffleBnGroups:
      config.shuffleBnGroups === 'auto'
        ? shuffleBnGroupsFor(config.train.batchSize)
        : config.shuffleBnGroups,
  }));

export type DenseclConfig = z.output<typeof denseclConfigSchema>;
/** The `init` section: how DenseCL's networks are first drawn. */
export type DenseclInit = DenseclConfig['init'];
export type DenseclConfigInput = z.input<typeof denseclConfigSchema>;

/**
 * `ssdet pretrain --method densecl --demo`: a ResNet-18 at 1/8 width on 96-pixel views of the
 * bundled synthetic scenes (3 × 3 C5 positions), batch 8 in two shuffle-BN groups, and queues of
 * 16 keys, so that the random initial keys are gone after two steps (with random keys the first
 * losses are deceptively low; see the README). 30 steps, about two minutes on 2 CPU cores.
 */
export const denseclDemoPreset = {
  imageSize: 96,
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  neck: { hiddenDim: 128, outDim: 128 },
  queueSize: 16,
  shuffleBnGroups: 2,
  train: {
    batchSize: 8,
    maxSteps: 30,
    schedule: { type: 'cosine', minLr: 0, granularity: 'step' },
    checkpointEvery: 10,
    logEvery: 1,
    data: { workers: 2 },
  },
} as const;
