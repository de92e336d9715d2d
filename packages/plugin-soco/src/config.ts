import { backboneConfigSchema, regionsConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { z } from 'zod';

const viewSide = z.number().int().min(16);
const probability = z.number().min(0).max(1);

/**
 * SoCo's hyper-parameters. Every default is the paper's 100-epoch ResNet-50-FPN recipe (Wei et
 * al., "Aligning Pretraining for Detection via Object-Level Contrastive Learning", NeurIPS 2021,
 * §3–4) as run by the official `tools/SoCo_FPN_100ep.sh` of hologerry/SoCo, with the defaults of
 * its `contrast/option.py`; the source of each value is noted beside it.
 */
export const socoConfigSchema = z
  .object({
    /** Side of V1 (whole image, resized) and V2 (random crop): `--image_size 224`. */
    imageSize: viewSide.default(224),
    /** `--arch resnet50`; any registered backbone with levels C2–C5 works (`--backbone`). */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    views: z
      .object({
        /** V3, the scale-aware view: `--image3_size 112` (SoCo*: 192, `SoCo_FPN_Star_400ep.sh`). */
        smallSize: viewSide.default(112),
        /** SoCo*'s V4 = V2 resized to this side (`--image4_size 112`); 0 = no V4 (plain SoCo). */
        resizedSize: z.number().int().min(0).default(0),
        /** RandomResizedCrop area range of V2 and V3: `--crop 0.5`, up to 1. */
        cropScale: z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]).default([0.5, 1]),
        /** Horizontal flip of every view, independently: `RandomHorizontalFlipImageBbox(p=0.5)`. */
        flipP: probability.default(0.5),
        /**
         * In-box cutout on V2 and V3 (`RandomCutoutInBbox`, `--aug …Jitter1Cutout` of the 100-epoch
         * recipe; the 400-epoch recipes run without it): per box with probability `p`, a square of
         * `ratio` × the box's area, centred at a random pixel of the box, is set to 0 (the mean
         * colour, after normalisation).
         */
        cutout: z
          .object({
            enabled: z.boolean().default(true),
            /** `--cutout_prob 0.5`. */
            p: probability.default(0.5),
            /** `--cutout_ratio_min 0.1 --cutout_ratio_max 0.3`. */
            ratio: z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]).default([0.1, 0.3]),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Where the proposals come from: a registered region source (`--set regions.algorithm=…`).
     * SoCo's is `@ssdet/proposals`' Selective Search with preset `soco`: SoCo's own Python
     * Selective Search reproduced exactly (skimage FH 300/0.9/100, its similarities and quirks,
     * every region kept, duplicates included), then SoCo's filter (`--filter_strategy
     * ratio3size0308post`) with its fallbacks; `soco-opencv` is a correct search instead. `resize`
     * squashes the image to resize × resize before searching (boxes scaled back). Proposals are
     * kept in the on-disk region cache: SoCo computes them once, offline.
     */
    regions: regionsConfigSchema({
      algorithm: 'selective-search',
      parameters: { 'selective-search': { preset: 'soco' } },
      cache: true,
    }),
    boxes: z
      .object({
        /** Proposals per view pair, drawn among those overlapping both views: `--select_k 4`. */
        k: z.number().int().positive().default(4),
        /** Re-draw the crops up to this many times while fewer than k/2 proposals overlap: `--max_tries 5`. */
        maxTries: z.number().int().positive().default(5),
        /** Box jitter on V1's boxes: `--jitter_prob 0.5`. */
        jitterP: probability.default(0.5),
        /** Each coordinate moves by U(−r, r) × the box's width/height: `--jitter_ratio 0.1`. */
        jitterRatio: z.number().min(0).max(1).default(0.1),
        /**
         * How a view with fewer than k boxes is padded to k. `copies` (official code,
         * `pad_bboxs_with_common`): random copies of the boxes present in both views — V1's copies
         * keep their jitter. `jittered-copies`: each copy is jittered afresh (`jitterRatio`).
         */
        padding: z.enum(['copies', 'jittered-copies']).default('copies'),
      })
      .strict()
      .prefault({}),
    fpn: z
      .object({
        /** `--out_channels 256`, P2–P5 (`--start_level 0 --num_outs 4`, no extra convs), BN. */
        channels: z.number().int().positive().default(256),
      })
      .strict()
      .prefault({}),
    roi: z
      .object({
        /** `--output_size 7`. */
        outputSize: z.number().int().positive().default(7),
        /** `--aligned` (torchvision `roi_align(aligned=True)`). */
        aligned: z.boolean().default(true),
        /**
         * Box side thresholds of P2–P5 in view pixels: a box goes to the first level whose
         * threshold is ≥ √((w+1)(h+1)); larger boxes are left out (`--aware_range 48 96 192 224`).
         */
        levelThresholds: z
          .tuple([
            z.number().positive(),
            z.number().positive(),
            z.number().positive(),
            z.number().positive(),
          ])
          .default([48, 96, 192, 224]),
        /**
         * `every-level` (official `SoCo_FPN.forward`): every box is pooled from all four levels and
         * each level's RoIs go through the head as one batch (BatchNorm statistics per level); the
         * matching matrix keeps each box's own level. `assigned-level`: each box is pooled once,
         * from its level (the same loss terms, a quarter of the head's work, BN over all boxes).
         */
        pooling: z.enum(['every-level', 'assigned-level']).default('every-level'),
      })
      .strict()
      .prefault({}),
    head: z
      .object({
        /** `FastRCNNConvFCHead`: four 3×3 convs of 256 channels with BN + ReLU … */
        convDim: z.number().int().positive().default(256),
        numConvs: z.number().int().min(0).default(4),
        /** … then fc 12544 → 1024 + ReLU. */
        fcDim: z.number().int().positive().default(1024),
      })
      .strict()
      .prefault({}),
    /** `Proj_Head(in_dim=1024)`: Linear 1024→4096, BN, ReLU, Linear 4096→256. */
    projector: z
      .object({
        hiddenDim: z.number().int().positive().default(4096),
        outDim: z.number().int().positive().default(256),
      })
      .strict()
      .prefault({}),
    /** `Pred_Head()`: Linear 256→4096, BN, ReLU, Linear 4096→256. */
    predictor: z
      .object({ hiddenDim: z.number().int().positive().default(4096) })
      .strict()
      .prefault({}),
    /**
     * How the online network is first drawn (the target starts as its copy), as the official
     * modules initialise themselves; nothing calls an `init_weights` afterwards. The projector
     * and predictor (`Proj_Head`, `Pred_Head`: plain `nn.Linear` + `nn.BatchNorm1d`) keep
     * PyTorch's defaults, as here.
     */
    init: z
      .object({
        /**
         * `contrast/resnet.py`: every convolution N(0, 2/(k²·out)), i.e. `kaimingNormalFanOut`
         * (torchvision's too); BatchNorm γ = 1, β = 0. `kaimingNormalFanIn` draws over fan_in.
         */
        backboneConv: z
          .enum(['kaimingNormalFanOut', 'kaimingNormalFanIn'])
          .default('kaimingNormalFanOut'),
        /**
         * `contrast/resnet.py`, "zero gamma for batch norm": γ = 0 in every block's last
         * BatchNorm (`bn3` of a bottleneck, `bn2` of a basic block), so each block starts as
         * the identity.
         */
        zeroInitResidual: z.boolean().default(true),
        /**
         * `contrast/models/fpn.py` builds its lateral and output convolutions as mmcv
         * `ConvModule`s, which draw `kaiming_init` (N(0, 2/fan_out)) when built; its Xavier
         * `init_weights` is never called. `kaimingUniformA1` is detectron2's and torchvision's
         * FPN init (U(±√(3/fan_in))).
         */
        fpnConv: z.enum(['kaimingNormalFanOut', 'kaimingUniformA1']).default('kaimingNormalFanOut'),
        /**
         * `contrast/models/fast_rcnn_conv_fc_head.py` is plain `nn.Conv2d`/`nn.Linear`:
         * `pytorchDefault` — convolutions and fc1 U(±1/√fan_in), fc1's bias too. `detectron2`:
         * detectron2's `FastRCNNConvFCHead` init — `c2_msra_fill` convolutions (N(0, 2/fan_out))
         * and `c2_xavier_fill` fc1 (U(±√(3/fan_in)), bias 0).
         */
        head: z.enum(['pytorchDefault', 'detectron2']).default('pytorchDefault'),
      })
      .strict()
      .prefault({}),
    /**
     * τ_base of the target network's EMA, raised to 1 on a cosine over training:
     * `--contrast_momentum 0.99` (`_momentum_update_key_encoder`).
     */
    momentum: z.number().min(0).max(1).default(0.99),
    train: trainingConfigWithDefaults({
      /** `--batch_size 128` per GPU × 16 GPUs: 2048 (paper §4.1). */
      batchSize: 2048,
      /** `SoCo_FPN_100ep.sh`: 100 epochs (400 for the 400-epoch models). */
      epochs: 100,
      /**
       * `--optimizer lars --base_lr 1.0 --weight_decay 1e-5`, SGD momentum 0.9, trust 0.001,
       * eps 1e-8 (`contrast/lars.py`); biases and BN parameters (≤ 1-D) get neither the trust
       * ratio nor weight decay (`add_weight_decay`), which is the optimizer's default rule.
       */
      optimizer: { type: 'lars', lr: 1.0, momentum: 0.9, weightDecay: 1e-5 },
      /**
       * lr = base × batch / 256; `--warmup_epoch 10` from lr/100 (`--warmup_multiplier 100`),
       * then `CosineAnnealingLR(eta_min=1e-6)`, stepped every iteration.
       */
      schedule: {
        type: 'cosine',
        warmupEpochs: 10,
        warmupStartFactor: 0.01,
        minLr: 1e-6,
        scaleWithBatch: true,
        granularity: 'step',
      },
      /**
       * SyncBN: SoCo converts every BatchNorm of both encoders (backbone, FPN, head, projector)
       * and of the predictor with `nn.SyncBatchNorm.convert_sync_batchnorm` (`SoCo_FPN.py`), so
       * statistics span the global batch under `mpirun`; one process is unaffected.
       * `--set train.syncBn=false` keeps them per process.
       */
      syncBn: true,
      /** `--save_freq 1` epoch ≈ 625 steps of 2048 on ImageNet-1k. */
      checkpointEvery: 625,
      /** `--print_freq 100`. */
      logEvery: 100,
      /** Views and Selective Search (cache misses) in worker threads, off the training thread. */
      data: { workers: 4, concurrency: 16 },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    const ascending = config.roi.levelThresholds.every(
      (value, i, all) => i === 0 || value > all[i - 1]!,
    );
    if (!ascending) {
      context.addIssue({
        code: 'custom',
        path: ['roi', 'levelThresholds'],
        message: `roi.levelThresholds must increase from P2 to P5; got [${config.roi.levelThresholds.join(', ')}]`,
      });
    }
    for (const [key, range] of [
      ['cropScale', config.views.cropScale],
      ['cutout.ratio', config.views.cutout.ratio],
    ] as const) {
      if (range[0] > range[1]) {
        context.addIssue({
          code: 'custom',
          path: ['views', ...key.split('.')],
          message: `views.${key} must be [min, max] with min ≤ max; got [${range.join(', ')}]`,
        });
      }
    }
    if (config.views.resizedSize !== 0 && config.views.resizedSize < 16) {
      context.addIssue({
        code: 'custom',
        path: ['views', 'resizedSize'],
        message: `views.resizedSize is SoCo*'s V4 side: 0 (off) or at least 16; got ${config.views.resizedSize}`,
      });
    }
  });

export type SocoConfig = z.output<typeof socoConfigSchema>;
/** The `init` section: how SoCo's online network is first drawn. */
export type SocoInit = SocoConfig['init'];
export type SocoConfigInput = z.input<typeof socoConfigSchema>;

/**
 * `ssdet pretrain --method soco --demo`: a ResNet-18 at 1/8 width with a 32-channel FPN and a
 * small head on 64/64/32-pixel views of the bundled synthetic scenes, batch 2, 20 steps. Selective
 * Search runs on a 128 × 128 squash of each image (about 0.15 s instead of 0.6 s per 320 × 240
 * scene in JavaScript), cached after the first epoch. The level thresholds are scaled with the
 * views (64/224 of SoCo's) so that all four pyramid levels get boxes, and each box is pooled from
 * its own level only (`assigned-level`, a quarter of the head's work). About a minute on 2 CPU cores.
 */
export const socoDemoPreset = {
  imageSize: 64,
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  views: { smallSize: 32 },
  regions: { parameters: { 'selective-search': { resize: 128 } } },
  fpn: { channels: 32 },
  roi: { levelThresholds: [14, 28, 55, 64], pooling: 'assigned-level' },
  head: { convDim: 32, fcDim: 64 },
  projector: { hiddenDim: 128, outDim: 32 },
  predictor: { hiddenDim: 128 },
  train: {
    batchSize: 2,
    maxSteps: 20,
    optimizer: { type: 'lars', lr: 1.0, momentum: 0.9, weightDecay: 1e-5 },
    schedule: {
      type: 'cosine',
      warmupEpochs: 0,
      warmupSteps: 2,
      warmupStartFactor: 0.01,
      minLr: 1e-6,
      scaleWithBatch: false,
      granularity: 'step',
    },
    checkpointEvery: 10,
    logEvery: 1,
    data: { workers: 2, concurrency: 4 },
  },
} as const;

/**
 * SoCo's 400-epoch R50-FPN recipe (`tools/SoCo_FPN_400ep.sh`, 43.0 AP^bb): the 100-epoch one
 * (the defaults) for 400 epochs and without in-box cutout — its `--aug
 * ImageAsymBboxAwareMultiJitter1` has no cutout step (the script still passes the `--cutout_*`
 * flags, which that augmentation ignores). Every other flag is the 100-epoch script's.
 */
export const soco400EpochPreset = {
  views: { cutout: { enabled: false } },
  train: { epochs: 400 },
} as const;

/** SoCo*: V3 at 192 and a fourth view, V2 resized to 112 (`tools/SoCo_FPN_Star_400ep.sh`, 400 epochs, no cutout). */
export const socoStarPreset = {
  views: { smallSize: 192, resizedSize: 112, cutout: { enabled: false } },
  train: { epochs: 400 },
} as const;
