import { backboneConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { shuffleBnGroupsFor } from '@ssdet/nn';
import { z } from 'zod';

const probabilityRange = z
  .tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)])
  .refine(([low, high]) => low <= high, 'the range must be [low, high] with low ≤ high');

/**
 * DetCo's hyper-parameters (Xie et al., "DetCo: Unsupervised Contrastive Learning for Object
 * Detection", ICCV 2021). The official repository (xieenze/DetCo) has no pre-training code, so
 * each default says where it comes from: the paper (its method section, fig. 2 and its
 * implementation details, which follow MoCo v2), MoCo v2's `main_moco.py` where the paper defers to
 * it, or the unofficial port shuuchen/DetCo.pytorch where the paper is silent. The README lists
 * them item by item.
 */
export const detcoConfigSchema = z
  .object({
    /**
     * Side of the two global views (`--image-size`): MoCo v2's RandomResizedCrop(224), the
     * baseline DetCo builds on (our reading; the paper gives no other). The port crops 255 for
     * every view instead, because it cuts the jigsaw out of the global view (`jigsaw.source`).
     */
    imageSize: z.number().int().min(32).default(224),
    /** Area range of the global RandomResizedCrop: MoCo v2's `scale=(0.2, 1.)`. The port: (0.6, 1). */
    cropScale: probabilityRange.default([0.2, 1]),
    /**
     * Probability of MoCo v2's ColorJitter(0.4, 0.4, 0.4, 0.1) in all four views: 0.8 (MoCo v2's
     * `RandomApply([ColorJitter(...)], p=0.8)`, which the paper follows).
     */
    colorJitterProbability: z.number().min(0).max(1).default(0.8),
    /** Probability of MoCo v2's RandomGrayscale in all four views: 0.2 (MoCo v2). */
    grayscaleProbability: z.number().min(0).max(1).default(0.2),
    /** ResNet-50 (paper); any registered backbone with levels C2–C5 works (`--backbone`). */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /** The local patch sets P_q, P_k (paper §3, "global and local contrastive learning"). */
    jigsaw: z
      .object({
        /**
         * What each patch set is cut from. `own-crop` (default): its own augmented crop of the
         * image, so DetCo has four inputs — paper fig. 2, "two additional local patch sets for
         * input". `global-view`: the encoder's global view itself, as the port does.
         */
        source: z.enum(['own-crop', 'global-view']).default('own-crop'),
        /** Side of the crop the grid is laid on (`own-crop`): the port's RandomResizedCrop(255), divisible by 3. */
        size: z.number().int().min(1).default(255),
        /** Area range of that crop: the port's `scale=(0.6, 1.)`. */
        cropScale: probabilityRange.default([0.6, 1]),
        /** Cells per side: a 3 × 3 jigsaw (paper). */
        grid: z.number().int().min(1).max(8).default(3),
        /** One random `patchSize` square per cell (the port's 64 × 64 in 85-pixel cells). */
        patchSize: z.number().int().min(8).default(64),
      })
      .strict()
      .prefault({}),
    heads: z
      .object({
        /** Embedding size of every global and local head: 128 (paper; MoCo v2's `--moco-dim`). */
        outDim: z.number().int().positive().default(128),
        /**
         * Hidden width as a multiple of the head's input: 1 gives the port's C → C → 128 (global)
         * and 9C → 9C → 128 (local) MLPs. At ResNet-50's res5 the local head alone has 340 M
         * parameters; a smaller value trades fidelity for memory (see the README).
         */
        hiddenScale: z.number().positive().max(1).default(1),
        /**
         * The heads' Linear initialisation. `pytorchDefault`: the port's (PyTorch's own
         * U(±1/√fan_in), biases too). `kaimingNormalFanIn`: N(0, 2/fan_in) weights and zero biases,
         * OpenSelfSup's MoCo neck (`init_linear='kaiming'`), the code base the official DetCo
         * builds on. The paper does not say.
         */
        init: z.enum(['pytorchDefault', 'kaimingNormalFanIn']).default('pytorchDefault'),
        /**
         * Multiplies the learning rate of the four local heads (9C → 9C → D): 1, one learning rate
         * for every parameter (paper; MoCo v2; the port). Their input is nine concatenated patch
         * features, several times the norm of a global head's, so their step in output space is
         * that much larger; small models on small data need it lowered (the demo: 0.01).
         */
        localLrMultiplier: z.number().min(0).default(1),
      })
      .strict()
      .prefault({}),
    /** K, keys in each of the eight queues (global and local, per stage): 65,536 (paper; MoCo). */
    queueSize: z.number().int().positive().default(65536),
    /** m of the key encoder's EMA θ_k ← m·θ_k + (1 − m)·θ_q: 0.999 (paper; MoCo). */
    momentum: z.number().min(0).max(1).default(0.999),
    /** τ of every InfoNCE term: 0.2 (paper; MoCo v2). The port's default is 0.07, its README runs 0.2. */
    temperature: z.number().positive().default(0.2),
    /** w_i of res2…res5 in L = Σ_i w_i (L_g↔g + L_l↔l + L_l↔g): [0.1, 0.4, 0.7, 1.0] (paper). */
    stageWeights: z
      .tuple([z.number().min(0), z.number().min(0), z.number().min(0), z.number().min(0)])
      .default([0.1, 0.4, 0.7, 1.0]),
    /**
     * Shuffle-BN in one process (MoCo §3.3): the batch is normalised in this many groups, the
     * keys after a random permutation. 8: MoCo v2's 8 GPUs × 32 images. 1: no shuffle. `auto`
     * (default): the largest count up to 8 that splits train.batchSize into groups of at least 2
     * images — 8 for the paper's 256, 2 for a batch of 4 (`shuffleBnGroupsFor`).
     */
    shuffleBnGroups: z.union([z.literal('auto'), z.number().int().positive()]).default('auto'),
    train: trainingConfigWithDefaults({
      /** 256 images per step (paper, MoCo v2 setting: 8 GPUs × 32). */
      batchSize: 256,
      /** 200 epochs (paper's main setting; 100 and 800 are reported too). */
      epochs: 200,
      /** SGD lr 0.03, momentum 0.9, weight decay 1e-4 (MoCo v2's `main_moco.py`, which DetCo follows). */
      optimizer: { type: 'sgd', lr: 0.03, momentum: 0.9, weightDecay: 1e-4 },
      /** Cosine to 0, lr = 0.03 × batch / 256, set once per epoch (MoCo v2 `--cos`, `adjust_learning_rate`). */
      schedule: {
        type: 'cosine',
        minLr: 0,
        scaleWithBatch: true,
        referenceBatchSize: 256,
        granularity: 'epoch',
      },
      /** Not from the paper: a checkpoint every 5000 steps (~1 ImageNet epoch), a metrics line every 50. */
      checkpointEvery: 5000,
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
    const { source, size, grid, patchSize } = config.jigsaw;
    const side = source === 'own-crop' ? size : config.imageSize;
    if (Math.floor(side / grid) < patchSize) {
      const from = source === 'own-crop' ? `jigsaw.size (${size})` : `imageSize (${side})`;
      context.addIssue({
        code: 'custom',
        path: ['jigsaw', 'patchSize'],
        message: `a ${grid} × ${grid} grid on ${from} has cells of ${Math.floor(side / grid)} pixels, smaller than jigsaw.patchSize (${patchSize}); make the crop at least ${grid * patchSize} or the patches smaller`,
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

export type DetcoConfig = z.output<typeof detcoConfigSchema>;
export type DetcoConfigInput = z.input<typeof detcoConfigSchema>;

/**
 * `ssdet pretrain --method detco --demo`: ResNet-18 at half width on the bundled synthetic scenes;
 * 64-pixel global views and a 3 × 3 jigsaw of 24-pixel patches from a 96-pixel crop; batch 8 in
 * two shuffle-BN groups; queues of 16 keys (real keys after two steps); key-encoder momentum 0.99
 * so that θ_k follows θ_q within the demo; lr 0.03 without batch scaling, cosine over 120 steps
 * changed every step, as DenseCL's demo. About a minute on the native backend.
 *
 * Two departures from the paper's recipe make the loss fall within those 120 steps (measured in
 * the README): no colour jitter or grayscale (on 64 synthetic scenes colour is most of what tells
 * images apart; with MoCo v2's jitter no term learns in 120 steps), and the local heads at 0.01×
 * the learning rate (at full rate their outputs grow into one shared direction within the first
 * steps — the res5 norm 3.4 → 22 in one step — and stay at chance).
 */
export const detcoDemoPreset = {
  imageSize: 64,
  colorJitterProbability: 0,
  grayscaleProbability: 0,
  backbone: { arch: 'resnet18', widthMultiplier: 0.5 },
  jigsaw: { size: 96, patchSize: 24 },
  heads: { localLrMultiplier: 0.01 },
  queueSize: 16,
  momentum: 0.99,
  shuffleBnGroups: 2,
  train: {
    batchSize: 8,
    maxSteps: 120,
    schedule: { type: 'cosine', minLr: 0, scaleWithBatch: false, granularity: 'step' },
    checkpointEvery: 40,
    logEvery: 1,
    data: { workers: 2 },
  },
} as const;
