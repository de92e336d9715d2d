import { backboneConfigSchema, regionsConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import {
  detrGeometryConfigIssues,
  detrGeometryConfigSchema,
  simclrColorAugmentationFields,
} from '@ssdet/data';
import { z } from 'zod';

/** The two detectors DETReg pre-trains. */
export type DetregDetector = 'deformable-detr' | 'detr';

/**
 * DETReg's hyper-parameters. Every default is the paper's ImageNet recipe (Bar et al., "DETReg:
 * Unsupervised Pretraining with Region Priors for Object Detection", CVPR 2022, §4 "Pretraining")
 * as the official code runs it: `util/default_args.py` (argument defaults and the per-detector
 * `default_settings`), `configs/DETReg_top30_in.sh` (`--strategy topk --max_prop 30
 * --object_embedding_loss --lr_backbone 0 --epochs 5`), `models/__init__.py` (loss weights) and
 * `datasets/selfdet.py` (data). The DETR variant is the `detr` preset
 * (`configs/DETReg_top30_in_detr.sh`); values that differ between the two detectors are optional
 * here and resolved by {@link resolveArchitecture}.
 */
export const detregConfigSchema = z
  .object({
    /**
     * `--model deformable_detr` (default): Deformable DETR without box refinement or two-stage;
     * `detr` (`--model detr`, the `detr` preset): DETR with pre-norm.
     */
    detector: z.enum(['deformable-detr', 'detr']).default('deformable-detr'),
    /**
     * `--image-size`: when set, every image view has this one shorter side (longer ≤
     * `image.maxSize`) instead of the multi-scale recipe.
     */
    imageSize: z.number().int().min(32).optional(),
    /**
     * `make_self_det_transforms('train')`: `T.RandomHorizontalFlip()`, then `T.RandomSelect`
     * between `RandomResize(scales, max_size=600)` and `RandomResize([400, 500, 600])` →
     * `RandomSizeCrop(384, 600)` → `RandomResize(scales, 600)` (UP-DETR's scales, no 384).
     */
    image: detrGeometryConfigSchema,
    /**
     * `--backbone resnet50` with `--lr_backbone 0`: the CNN is frozen (FrozenBatchNorm2d, lr 0);
     * any registered backbone with C3–C5 levels (`--backbone`). The DETR variant reads C5 only.
     */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /**
     * The frozen CNN's weights (the plugin's `pretrainedBackbone`): officially SwAV's 800-epoch
     * ResNet-50 (`--load_backbone swav`). A weights file (`.pth`/`.safetensors`, torchvision or
     * detectron2 names, `module.` etc. removed), an `ssdet pretrain` run directory, or `random`
     * (an ablation). `--demo` fills it with a CNN demo run; a full-scale run without it is refused.
     */
    backboneWeights: z.string().min(1).optional(),
    teacher: z
      .object({
        /**
         * `--obj_embedding_head intermediate` (default): the frozen teacher's layer2 output
         * (ResNet C3, 512-d on ResNet-50), spatially averaged (`build_swav_backbone_old`).
         * `head`: the SwAV projection head, 128-d, L2-normalised (`build_swav_backbone`); needs
         * a weights file with SwAV's `projection_head.*`.
         */
        embedding: z.enum(['intermediate', 'head']).default('intermediate'),
        /**
         * The teacher's weights: a weights file or an `ssdet pretrain` run directory. Officially
         * the same SwAV checkpoint as the detector's CNN; by default the same source as
         * `backboneWeights` (then the one frozen CNN serves both).
         */
        weights: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    transformer: z
      .object({
        /** `--hidden_dim 256`. */
        dModel: z.number().int().positive().default(256),
        /** `--nheads 8`. */
        numHeads: z.number().int().positive().default(8),
        /** `default_settings`: 1024 (Deformable DETR), 2048 (DETR). */
        dimFeedforward: z.number().int().positive().optional(),
        /** `--enc_layers 6`. */
        encoderLayers: z.number().int().positive().default(6),
        /** `--dec_layers 6`. */
        decoderLayers: z.number().int().positive().default(6),
        /** `--dropout 0.1`. */
        dropout: z.number().min(0).lt(1).default(0.1),
        /** `--num_feature_levels 4`: C3–C5 and a stride-2 convolution on C5 (Deformable only). */
        numLevels: z.number().int().positive().default(4),
        /** `--dec_n_points 4`, `--enc_n_points 4` (Deformable only). */
        numPoints: z.number().int().positive().default(4),
        /** `--pre_norm` (DETR variant's command; Deformable DETR's layers are post-norm). */
        preNorm: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
    /** `default_settings`: 300 (Deformable DETR), 100 (DETR). */
    numQueries: z.number().int().positive().optional(),
    /**
     * Class logits: `build_model` gives 90 + 1 = 91 for `--dataset_file coco`, the default the
     * pre-training commands keep; every prior is label 1 (`SelfDet`). Deformable DETR's sigmoid
     * head has numClasses outputs, DETR's softmax numClasses + 1.
     */
    numClasses: z.number().int().min(2).default(91),
    /**
     * The region priors: `@ssdet/proposals`' Selective Search with preset `detreg` — OpenCV's
     * fast mode on the image squashed to 128 × 128, boxes scaled back, the first 30
     * (`--max_prop 30`) in output order, the RGB image read as BGR as the official
     * `selective_search()` does (`swapRedBlue: false` searches the true colours). `cache: false`
     * recomputes them at every access, as officially ("selective search has randomness and
     * without caching, the results are better"); `cache: true` keeps the first ones on disk (the
     * cache `ssdet regions` fills).
     */
    regions: regionsConfigSchema({
      algorithm: 'selective-search',
      parameters: { 'selective-search': { preset: 'detreg' } },
      cache: false,
    }),
    /** `--max_prop 30`: crop slots per image (priors beyond it are ignored). */
    maxPriors: z.number().int().positive().default(30),
    /** `if len(boxes) < 2: return self.__getitem__(random …)`: fewer priors → another image. */
    minPriors: z.number().int().min(1).default(2),
    crop: z
      .object({
        /** `get_query_transforms('train')`: `Resize((128, 128))`. */
        size: z.number().int().min(8).default(128),
        /** SimCLR's colour jitter (p 0.8), grayscale (p 0.2) and blur (σ ∈ [0.1, 2], p 0.5). */
        ...simclrColorAugmentationFields,
      })
      .strict()
      .prefault({}),
    loss: z
      .object({
        /** `--cls_loss_coef`: `default_settings` 2 (Deformable, focal), 1 (DETR, cross-entropy). */
        classWeight: z.number().min(0).optional(),
        /** `--bbox_loss_coef 5`. */
        bboxWeight: z.number().min(0).default(5),
        /** `--giou_loss_coef 2`. */
        giouWeight: z.number().min(0).default(2),
        /** `--object_embedding_coef 1`: the embedding L1, on the last decoder layer only. */
        embeddingWeight: z.number().min(0).default(1),
        /** `--focal_alpha 0.25` (γ = 2 in `sigmoid_focal_loss`). */
        focalAlpha: z.number().min(0).max(1).default(0.25),
        /** `--eos_coef 0.1`: DETR's no-object weight in the cross-entropy. */
        eosCoef: z.number().min(0).default(0.1),
        /** `aux_loss` (on unless `--no_aux_loss`): class and box terms on every decoder layer. */
        auxLoss: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    matcher: z
      .object({
        /** `--set_cost_class`: `default_settings` 2 (Deformable, focal cost), 1 (DETR, −p). */
        costClass: z.number().min(0).optional(),
        /** `--set_cost_bbox 5`. */
        costBbox: z.number().min(0).default(5),
        /** `--set_cost_giou 2`. */
        costGiou: z.number().min(0).default(2),
      })
      .strict()
      .prefault({}),
    /**
     * `--lr_linear_proj_names reference_points sampling_offsets` train at
     * `--lr_linear_proj_mult 0.1` × the learning rate (`main.py`'s third parameter group).
     */
    linearProjLrMultiplier: z.number().min(0).default(0.1),
    train: trainingConfigWithDefaults({
      /** The paper's batch of 192 images (§4; 8 GPUs). */
      batchSize: 192,
      /** `configs/DETReg_top30_in.sh --epochs 5` (ImageNet-1k). */
      epochs: 5,
      /** `torch.optim.AdamW(lr=2e-4, weight_decay=1e-4)` (`default_settings`, `--weight_decay`). */
      optimizer: { type: 'adamw', lr: 2e-4, weightDecay: 1e-4 },
      /** `StepLR(optimizer, lr_drop=40)` stepped per epoch (no drop within 5 epochs). */
      schedule: { type: 'step', milestones: [40], gamma: 0.1, granularity: 'epoch' },
      /** `--clip_max_norm 0.1`. */
      clipGradNorm: 0.1,
      /** `print_freq = 10` in `engine.train_one_epoch`. */
      logEvery: 10,
      checkpointEvery: 5000,
      /** Images with fewer than `minPriors` priors are replaced by the next ones (listed in bad-images.txt). */
      data: { onBadImage: 'skip' },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    const { dModel, numHeads, preNorm } = config.transformer;
    if (dModel % numHeads !== 0 || dModel % 4 !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['transformer', 'dModel'],
        message: `transformer.dModel must be divisible by transformer.numHeads (${numHeads}) and by 4 (the sine position embedding); got ${dModel}`,
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
    for (const issue of detrGeometryConfigIssues(config.image, config.imageSize)) {
      context.addIssue({ code: 'custom', ...issue });
    }
    if (config.minPriors > config.maxPriors) {
      context.addIssue({
        code: 'custom',
        path: ['minPriors'],
        message: `minPriors must not exceed maxPriors (${config.maxPriors}); got ${config.minPriors}`,
      });
    }
  });

export type DetregConfig = z.output<typeof detregConfigSchema>;
export type DetregConfigInput = z.input<typeof detregConfigSchema>;

/** The detector-dependent values with the official per-detector defaults filled in. */
export interface DetregArchitecture {
  readonly detector: DetregDetector;
  readonly numQueries: number;
  readonly dimFeedforward: number;
  readonly preNorm: boolean;
  /** Focal (Deformable DETR) or softmax cross-entropy with eos (DETR). */
  readonly classLoss: 'focal' | 'cross-entropy';
  readonly classWeight: number;
  readonly costClass: number;
}

/** `util/default_args.py`'s `default_settings` for the configured detector, under the user's values. */
export function resolveArchitecture(config: DetregConfig): DetregArchitecture {
  const deformable = config.detector === 'deformable-detr';
  return {
    detector: config.detector,
    numQueries: config.numQueries ?? (deformable ? 300 : 100),
    dimFeedforward: config.transformer.dimFeedforward ?? (deformable ? 1024 : 2048),
    // `configs/DETReg_top30_in_detr.sh` passes --pre_norm.
    preNorm: deformable ? false : (config.transformer.preNorm ?? true),
    classLoss: deformable ? 'focal' : 'cross-entropy',
    classWeight: config.loss.classWeight ?? (deformable ? 2 : 1),
    costClass: config.matcher.costClass ?? (deformable ? 2 : 1),
  };
}

/**
 * `--preset detr`: DETReg on DETR (`configs/DETReg_top30_in_detr.sh`: `--model detr --pre_norm
 * --epochs 60`; `default_settings['detr']`: lr 1e-4, 100 queries, FFN 2048, class weight and
 * cost 1, lr drop at 200 epochs).
 */
export const detregDetrPreset = {
  detector: 'detr',
  // Spelled out (not left to resolveArchitecture) so the run's config.yaml names them and
  // `ssdet finetune` rebuilds the same pre-norm DETR.
  numQueries: 100,
  transformer: { dimFeedforward: 2048, preNorm: true },
  train: {
    epochs: 60,
    optimizer: { type: 'adamw', lr: 1e-4, weightDecay: 1e-4 },
    schedule: { type: 'step', milestones: [200], gamma: 0.1, granularity: 'epoch' },
  },
} as const;

/**
 * `ssdet pretrain --method detreg --demo`: a ResNet-18 at 1/8 width, d = 32, 2 + 2 deformable
 * layers, 30 queries, at most 10 priors per image (Selective Search on the 128² squash as
 * officially), crops of 32 px, images with shorter side 96–128 px; 20 steps of batch 2 on the
 * bundled synthetic scenes — a few minutes on 2 CPU cores. A larger learning rate than the
 * paper's so that 20 steps show the loss going down.
 */
export const detregDemoPreset = {
  image: {
    scales: [96, 112, 128],
    maxSize: 160,
    cropResizes: [112, 128, 144],
    cropSize: [96, 160],
  },
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  transformer: {
    dModel: 32,
    numHeads: 4,
    dimFeedforward: 64,
    encoderLayers: 2,
    decoderLayers: 2,
    numPoints: 2,
  },
  numQueries: 30,
  numClasses: 2,
  maxPriors: 10,
  regions: { parameters: { 'selective-search': { preset: 'detreg', maxBoxes: 10 } } },
  crop: { size: 32 },
  train: {
    batchSize: 2,
    maxSteps: 20,
    optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 1e-4 },
    schedule: { type: 'step', milestones: [40], gamma: 0.1, granularity: 'epoch' },
    clipGradNorm: 0.1,
    checkpointEvery: 10,
    logEvery: 1,
    data: { onBadImage: 'skip', workers: 2, concurrency: 4 },
  },
} as const;
