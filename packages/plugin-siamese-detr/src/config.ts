import { backboneConfigSchema, regionsConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { z } from 'zod';

const probability = z.number().min(0).max(1);
const sides = z.array(z.number().int().min(16)).min(1);
const range = (low: number, high: number) =>
  z
    .tuple([z.number().positive(), z.number().positive()])
    .refine(([a, b]) => a <= b, 'must be [low, high] with low ≤ high')
    .default([low, high]);

/** `RandomResizeWithTarget(sizes=[320, …, 480], max_size=600)` in the ImageNet data configs (no 384). */
const OFFICIAL_SCALES = [320, 336, 352, 368, 400, 416, 432, 448, 464, 480];

/** The detectors Siamese DETR pre-trains here. */
export type SiameseDetrDetector = 'detr' | 'deformable-detr';

/**
 * SimCLR's colour/blur augmentation (`view_pipeline` and `crop_pipeline` of
 * `configs/selfsup/siamese_detr/imgnet_edgebox_crop_bs8.py`): ColorJitter(0.4, 0.4, 0.4, 0.1)
 * with p 0.8, RandomGrayscale(0.2), GaussianBlur σ ∈ [0.1, 2] with p 0.5.
 */
const simclrAugmentation = () =>
  z
    .object({
      colorJitter: z
        .object({
          brightness: z.number().min(0).default(0.4),
          contrast: z.number().min(0).default(0.4),
          saturation: z.number().min(0).default(0.4),
          hue: z.number().min(0).max(0.5).default(0.1),
          p: probability.default(0.8),
        })
        .strict()
        .prefault({}),
      grayscale: probability.default(0.2),
      blur: z
        .object({ sigma: range(0.1, 2), p: probability.default(0.5) })
        .strict()
        .prefault({}),
    })
    .strict()
    .prefault({});

/**
 * Siamese DETR's hyper-parameters. Every default is the paper's ImageNet recipe (Chen et al.,
 * "Siamese DETR", CVPR 2023, §4.1) as the official code runs it for vanilla DETR:
 * `configs/selfsup/siamese_detr/main/r50_vanillatr_syncbn_imgnet_edgebox_rdiscr_gdiscr_gpu32_step30w.py`
 * and its base `imgnet_edgebox_crop_bs8.py`; the Deformable DETR variant is the
 * `deformable-detr` preset (`r50_deformtr_ms_300q_…_gpu64_step30w.py`). Values that differ
 * between the detectors are optional here and resolved by {@link resolveArchitecture}.
 */
export const siameseDetrConfigSchema = z
  .object({
    /**
     * `detr` (default): `VanillaTR`, post-norm, 100 queries, C5 only. `deformable-detr`:
     * `DeformableTR` multi-scale — C3–C5 + a stride-2 level, 300 queries, FFN 1024.
     */
    detector: z.enum(['detr', 'deformable-detr']).default('detr'),
    /** `--image-size`: one shorter side instead of the multi-scale `image.scales`. */
    imageSize: z.number().int().min(32).optional(),
    image: z
      .object({
        /** `RandomResizeWithTarget(sizes, max_size=600)` before anything else. */
        scales: sides.default(OFFICIAL_SCALES),
        /** `max_size=600`; also the side of the canvas views are padded to in a batch. */
        maxSize: z.number().int().min(32).default(600),
        /** `SiameseRandomHorizontalFlipWithTarget()`: p 0.5, the same flip for both views. */
        flipP: probability.default(0.5),
        /** `TwoViewRandomResizedCrop(scale=(0.5, 1.))`: the outer crop's area fraction. */
        outerScale: range(0.5, 1),
        /** torchvision's ratio (3/4, 4/3) for the outer crop. */
        outerRatio: range(3 / 4, 4 / 3),
        /** `iou=0.5`: the IoU of the two views inside the outer crop (then raised at random). */
        viewIou: probability.default(0.5),
        /** `views_bbox_stochastic=True`: shrink each view's outer corner at random (IoU ≥ viewIou). */
        stochasticViews: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** `type='ResNet', depth=50, frozen_stages=4, norm_cfg=FrozenBN`; any backbone with the levels read. */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /**
     * The frozen CNN's weights (the plugin's `pretrainedBackbone`): officially SwAV's 800-epoch
     * ResNet-50 (`pretrained='…/swav_800ep_pretrain_oss.pth.tar'`). A weights file, an
     * `ssdet pretrain` run directory, or `random` (an ablation). `--demo` fills it.
     */
    backboneWeights: z.string().min(1).optional(),
    transformer: z
      .object({
        /** `hidden_dim = 256`. */
        dModel: z.number().int().positive().default(256),
        /** `nhead=8`. */
        numHeads: z.number().int().positive().default(8),
        /** `dim_feedforward`: 2048 (VanillaTR), 1024 (DeformableTR). */
        dimFeedforward: z.number().int().positive().optional(),
        /** `num_encoder_layers=6`. */
        encoderLayers: z.number().int().positive().default(6),
        /** `num_decoder_layers=6` (`num_dec_layers`). */
        decoderLayers: z.number().int().positive().default(6),
        /** `dropout=0.1`. */
        dropout: z.number().min(0).lt(1).default(0.1),
        /** `num_feature_levels=4` (Deformable only). */
        numLevels: z.number().int().positive().default(4),
        /** `enc_n_points=4`, `dec_n_points=4` (Deformable only). */
        numPoints: z.number().int().positive().default(4),
        /** `normalize_before=False` (VanillaTR); Deformable layers are post-norm. */
        preNorm: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
    /** `num_queries`: 100 (vanilla), 300 (Deformable). */
    numQueries: z.number().int().positive().optional(),
    /** `num_patches = 10` (`anchor_num`): the intersection box + 9 EdgeBoxes per image. */
    numPatches: z.number().int().min(1).default(10),
    /**
     * The boxes: EdgeBoxes, at most 512 per image (`tools/hpcplayers/box_generator.py`
     * `num_box=512`), computed offline — here by `@ssdet/proposals` (preset `siamese-detr`) on its
     * built-in edge map and kept in the region cache (`ssdet regions` fills it ahead of a run).
     */
    regions: regionsConfigSchema({
      algorithm: 'edge-boxes',
      parameters: { 'edge-boxes': { preset: 'siamese-detr' } },
      cache: true,
    }),
    boxes: z
      .object({
        /** `area_min_ratio=0.05`: a box is kept when its area ≥ this × the views' intersection. */
        areaMinRatio: z.number().min(0).default(0.05),
        /** `pad_jitter_box`: padding copies move each edge by U-ish(−0.1, 0.1) × the box's w/h. */
        padJitter: z.number().min(0).default(0.1),
        /** `box_disturbance=0.1`: the query boxes (not the targets) jittered ±10% of w/h each step. */
        disturbance: z.number().min(0).default(0.1),
      })
      .strict()
      .prefault({}),
    /** `view_pipeline`: both views get SimCLR's colour jitter, grayscale and blur. */
    viewAugmentation: simclrAugmentation(),
    crop: z
      .object({
        /** `crop_pipeline`: `Resize(size=(128, 128))` of each box's crop of its view. */
        size: z.number().int().min(8).default(128),
        augmentation: simclrAugmentation(),
      })
      .strict()
      .prefault({}),
    /**
     * The Deformable variant's query positions: `per-image` (the paper: each image's own regions)
     * or `first-image` — `DeformableTR.forward`'s `query_embed[:, 0]` hands image 0's region
     * queries to every image of the batch (an indexing slip in the official code).
     */
    deformableQueries: z.enum(['per-image', 'first-image']).default('per-image'),
    loss: z
      .object({
        /** `loss_ce=1`. */
        classWeight: z.number().min(0).default(1),
        /** `loss_bbox=5`. */
        bboxWeight: z.number().min(0).default(5),
        /** `loss_giou=2`. */
        giouWeight: z.number().min(0).default(2),
        /** `loss_feature=3` — region discrimination (5 for Conditional DETR on ImageNet). */
        featureWeight: z.number().min(0).default(3),
        /** `loss_enc_global_contra=10` — global discrimination (0.3 in the COCO configs). */
        globalWeight: z.number().min(0).default(10),
        /** `SiamDETRCriterion(eos_coef=0.1)`. */
        eosCoef: z.number().min(0).default(0.1),
        /** `aux_loss=True`: every decoder layer adds every term but the global one. */
        auxLoss: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    matcher: z
      .object({
        /** `matcher_cfg.cost_class=1`. */
        costClass: z.number().min(0).default(1),
        /** `cost_bbox=5`. */
        costBbox: z.number().min(0).default(5),
        /** `cost_giou=2`. */
        costGiou: z.number().min(0).default(2),
      })
      .strict()
      .prefault({}),
    /**
     * `SiameseDETREncoderGlobalLatentHead`: projector `NonLinearNeckV3` (FC-BN-ReLU-FC-BN-ReLU-FC-BN,
     * 256 hidden, 256 out) on the average-pooled encoder memory, predictor `NonLinearNeckV2`
     * (FC-BN-ReLU-FC, 256 → 256 → 256).
     */
    globalHead: z
      .object({
        hiddenDim: z.number().int().positive().default(256),
        outDim: z.number().int().positive().default(256),
      })
      .strict()
      .prefault({}),
    train: trainingConfigWithDefaults({
      /** `imgs_per_gpu=8` × 32 GPUs = 256. */
      batchSize: 256,
      /** 300k iterations ≈ 60 ImageNet epochs at batch 256 (`steps = 300000`). */
      epochs: 60,
      maxSteps: 300000,
      /** `optimizer = dict(type='AdamW', lr=1e-4, weight_decay=1e-4)`. */
      optimizer: { type: 'adamw', lr: 1e-4, weightDecay: 1e-4 },
      /** `lr_config = dict(policy='Step', step=200000)`: ×0.1 at 200k iterations ≈ epoch 40. */
      schedule: { type: 'step', milestones: [40], gamma: 0.1, granularity: 'step' },
      /** `optimizer_config = dict(grad_clip=dict(max_norm=0.1))`. */
      clipGradNorm: 0.1,
      /** `log_config.interval=50`. */
      logEvery: 50,
      /** `checkpoint_config.interval=5000`. */
      checkpointEvery: 5000,
      /** An image whose boxes all leave the views is replaced (the official code takes the previous one). */
      data: { onBadImage: 'skip' },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    const { dModel, numHeads, preNorm } = config.transformer;
    const architecture = resolveArchitecture(config);
    if (dModel % numHeads !== 0 || dModel % 4 !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['transformer', 'dModel'],
        message: `transformer.dModel must be divisible by transformer.numHeads (${numHeads}) and by 4 (the sine position embedding); got ${dModel}`,
      });
    }
    if (architecture.numQueries % config.numPatches !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['numQueries'],
        message: `numQueries must be a multiple of numPatches (${config.numPatches}): every region feeds numQueries/numPatches queries; got ${architecture.numQueries}`,
      });
    }
    if (config.detector === 'deformable-detr') {
      if (dModel % 32 !== 0) {
        context.addIssue({
          code: 'custom',
          path: ['transformer', 'dModel'],
          message: `transformer.dModel must be a multiple of 32 for Deformable DETR's input_proj (GroupNorm(32, d)); got ${dModel}`,
        });
      }
      if (preNorm === true) {
        context.addIssue({
          code: 'custom',
          path: ['transformer', 'preNorm'],
          message:
            "transformer.preNorm applies to detector 'detr' only (Deformable DETR's layers are post-norm)",
        });
      }
    }
    const shorterSides = config.imageSize === undefined ? config.image.scales : [config.imageSize];
    if (Math.max(...shorterSides) > config.image.maxSize) {
      context.addIssue({
        code: 'custom',
        path: config.imageSize === undefined ? ['image', 'scales'] : ['imageSize'],
        message: `shorter sides must not exceed image.maxSize (${config.image.maxSize}); got ${Math.max(...shorterSides)}`,
      });
    }
  });

export type SiameseDetrConfig = z.output<typeof siameseDetrConfigSchema>;
export type SiameseDetrConfigInput = z.input<typeof siameseDetrConfigSchema>;

/** The detector-dependent values with the official per-detector defaults filled in. */
export interface SiameseDetrArchitecture {
  readonly detector: SiameseDetrDetector;
  readonly numQueries: number;
  readonly dimFeedforward: number;
  readonly preNorm: boolean;
  /** The backbone levels the detector and the query RoIAlign read. */
  readonly levels: readonly ('C3' | 'C4' | 'C5')[];
}

/** The official per-detector values (vanilla / Deformable config files) under the user's. */
export function resolveArchitecture(
  config: Pick<SiameseDetrConfig, 'detector' | 'numQueries'> & {
    readonly transformer: Pick<SiameseDetrConfig['transformer'], 'dimFeedforward' | 'preNorm'>;
  },
): SiameseDetrArchitecture {
  const deformable = config.detector === 'deformable-detr';
  return {
    detector: config.detector,
    numQueries: config.numQueries ?? (deformable ? 300 : 100),
    dimFeedforward: config.transformer.dimFeedforward ?? (deformable ? 1024 : 2048),
    preNorm: deformable ? false : (config.transformer.preNorm ?? false),
    levels: deformable ? ['C3', 'C4', 'C5'] : ['C5'],
  };
}

/**
 * `--preset deformable-detr`: Siamese DETR on multi-scale Deformable DETR
 * (`r50_deformtr_ms_300q_syncbn_imgnet_edgebox_rdiscr_gdiscr_gpu64_step30w.py`: 300 queries,
 * FFN 1024, 4 levels, RoIAlign on strides 8/16/32 concatenated; batch 4 × 64 GPUs = 256).
 */
export const siameseDetrDeformablePreset = { detector: 'deformable-detr' } as const;

/**
 * `ssdet pretrain --method siamese-detr --demo`: a ResNet-18 at 1/8 width, d = 32, 2 + 2 layers,
 * 20 queries from 5 regions, views with shorter side 96–128 px, crops of 32 px, 40 EdgeBoxes per
 * image; 20 steps of batch 2 on the bundled synthetic scenes — a couple of minutes on 2 CPU
 * cores. A larger learning rate than the paper's so that 20 steps show the loss going down.
 */
export const siameseDetrDemoPreset = {
  image: { scales: [96, 112, 128], maxSize: 160 },
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  transformer: { dModel: 32, numHeads: 4, dimFeedforward: 64, encoderLayers: 2, decoderLayers: 2 },
  numQueries: 20,
  numPatches: 5,
  regions: { parameters: { 'edge-boxes': { preset: 'siamese-detr', maxBoxes: 40 } } },
  crop: { size: 32 },
  globalHead: { hiddenDim: 32, outDim: 32 },
  train: {
    batchSize: 2,
    epochs: 60,
    maxSteps: 20,
    optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 1e-4 },
    schedule: { type: 'step', milestones: [40], gamma: 0.1, granularity: 'step' },
    clipGradNorm: 0.1,
    checkpointEvery: 10,
    logEvery: 1,
    data: { onBadImage: 'skip', workers: 2, concurrency: 4 },
  },
} as const;
