import { backboneConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import { simclrColorAugmentationFields } from '@ssdet/data';
import { z } from 'zod';

const probability = z.number().min(0).max(1);

/** Shorter sides 320, 336, …, 480 (11 scales). */
const PAPER_SCALES = Array.from({ length: 11 }, (_, i) => 320 + 16 * i);

/**
 * UP-DETR's hyper-parameters. Every default is the paper's ImageNet pre-training recipe (Dai et
 * al., "UP-DETR: Unsupervised Pre-training for Object Detection with Transformers", CVPR 2021,
 * §4.1 "Implementation details") as the official code runs it: `main.py`'s argument defaults
 * plus the README's pre-training command (`--pre_norm --num_patches 10 --batch_size 32
 * --feature_recon --fre_cnn --epochs 60 --lr_drop 40`, 8 GPUs), `models/__init__.py` (loss
 * weights), `models/updetr.py` (query patches) and `datasets/selfdet.py` (data). The source of
 * each value is noted beside it.
 */
export const updetrConfigSchema = z
  .object({
    /**
     * `--image-size`: when set, train at this one shorter side (longer side ≤ `image.maxSize`)
     * instead of the multi-scale `image.scales`.
     */
    imageSize: z.number().int().min(32).optional(),
    image: z
      .object({
        /**
         * `make_self_det_transforms('train')`: `RandomResize(scales, max_size=600)`, shorter side
         * chosen uniformly. The paper's 320…480 in steps of 16; the official list omits 384
         * (pass that list here to reproduce it exactly).
         */
        scales: z.array(z.number().int().min(32)).min(1).default(PAPER_SCALES),
        /** `max_size=600`: the longer side after resizing. */
        maxSize: z.number().int().min(32).default(600),
      })
      .strict()
      .prefault({}),
    /** `--backbone resnet50`; any registered backbone with a C5 level (`--backbone`). */
    backbone: backboneConfigSchema(
      { arch: 'resnet50' },
      {
        /**
         * `--fre_cnn` (lr_backbone 0): the CNN is frozen during pre-training (paper §3.1). When
         * false, layer2–layer4 train at the base lr as DETR's `BackboneBase` does; BatchNorm stays
         * frozen either way.
         */
        frozen: z.boolean().default(true),
      },
    ),
    /**
     * The frozen CNN's weights (required; the plugin's `pretrainedBackbone`): a weights file —
     * SwAV's 800-epoch ResNet-50 (`swav_800ep_pretrain.pth.tar`, what `models/backbone.py`
     * loads; legacy `.pth` format, `module.` prefix removed), any torchvision- or detectron2-named
     * ResNet — or an `ssdet pretrain` run directory (a CNN method chained into UP-DETR), or
     * `random` (an ablation). `--demo` fills it with a DenseCL demo run; a full-scale run without
     * it is refused.
     */
    backboneWeights: z.string().min(1).optional(),
    transformer: z
      .object({
        /** `--hidden_dim 256`. */
        dModel: z.number().int().positive().default(256),
        /** `--nheads 8`. */
        numHeads: z.number().int().positive().default(8),
        /** `--dim_feedforward 2048`. */
        dimFeedforward: z.number().int().positive().default(2048),
        /** `--enc_layers 6`. */
        encoderLayers: z.number().int().positive().default(6),
        /** `--dec_layers 6`. */
        decoderLayers: z.number().int().positive().default(6),
        /** `--dropout 0.1`. */
        dropout: z.number().min(0).lt(1).default(0.1),
        /** `--pre_norm` in the README's pre-training command. */
        preNorm: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    init: z
      .object({
        /**
         * `Transformer._reset_parameters` (`models/transformer.py`, DETR's): `xavierUniform` on
         * every weight matrix of the transformer — attention in/out projections and FFN layers;
         * biases keep their module's init, LayerNorms γ = 1, β = 0. `pytorchDefault` skips the
         * reset (out_proj and FFN U(±1/√fan_in)). `input_proj`, `query_embed`, `class_embed`,
         * `bbox_embed`, `patch2query` and `feature_align` keep PyTorch's defaults either way, as
         * officially; the CNN is torchvision's (and normally loaded from `backboneWeights`).
         */
        transformer: z.enum(['xavierUniform', 'pytorchDefault']).default('xavierUniform'),
      })
      .strict()
      .prefault({}),
    /** `--num_queries 100`. */
    numQueries: z.number().int().positive().default(100),
    /** `--num_patches 10`: query patches per image (paper §3.2, "M = 10"). */
    numPatches: z.number().int().positive().default(10),
    /** `mask_ratio=0.1` in `UPDETR.__init__`: each query's patch feature is dropped with this probability. */
    maskRatio: probability.default(0.1),
    /** `--query_shuffle` (off): the README says shuffling the object queries does not help. */
    queryShuffle: z.boolean().default(false),
    /** `--feature_recon` in the README's command: the feature reconstruction loss L_feat. */
    featureReconstruction: z.boolean().default(true),
    /** `num_classes = 2` for ImageNet in `models/__init__.py`; patches are label 1 (+ no-object). */
    numClasses: z.number().int().min(2).default(2),
    patch: z
      .object({
        /** `get_query_transforms('train')`: `Resize((128, 128))`. */
        size: z.number().int().min(32).default(128),
        /** `get_random_patch_from_img(min_pixel=8)`: the smallest patch side. */
        minPixel: z.number().int().positive().default(8),
        /**
         * `RandomApply([ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8)`, `RandomGrayscale(p=0.2)`,
         * `RandomApply([GaussianBlur([.1, 2.])], p=0.5)` (SimCLR's blur, σ ~ U[0.1, 2]).
         */
        ...simclrColorAugmentationFields,
      })
      .strict()
      .prefault({}),
    loss: z
      .object({
        /** `weight_dict['loss_ce'] = 1`. */
        classWeight: z.number().min(0).default(1),
        /** `--bbox_loss_coef 5`. */
        bboxWeight: z.number().min(0).default(5),
        /** `--giou_loss_coef 2`. */
        giouWeight: z.number().min(0).default(2),
        /** `weight_dict['loss_feature'] = 1`. */
        featureWeight: z.number().min(0).default(1),
        /** `--eos_coef 0.1`: the no-object class weight in the cross-entropy. */
        eosCoef: z.number().min(0).default(0.1),
        /** `aux_loss` (on unless `--no_aux_loss`): every decoder layer is matched and supervised. */
        auxLoss: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    matcher: z
      .object({
        /** `--set_cost_class 1`. */
        costClass: z.number().min(0).default(1),
        /** `--set_cost_bbox 5`. */
        costBbox: z.number().min(0).default(5),
        /** `--set_cost_giou 2`. */
        costGiou: z.number().min(0).default(2),
      })
      .strict()
      .prefault({}),
    train: trainingConfigWithDefaults({
      /** `--batch_size 32` per GPU × 8 GPUs (README pre-training command). */
      batchSize: 256,
      /** `--epochs 60`. */
      epochs: 60,
      /** `torch.optim.AdamW(lr=1e-4, weight_decay=1e-4)` (`--lr`, `--weight_decay`). */
      optimizer: { type: 'adamw', lr: 1e-4, weightDecay: 1e-4 },
      /** `StepLR(optimizer, lr_drop=40)` stepped per epoch: ×0.1 at epoch 40 of 60. */
      schedule: { type: 'step', milestones: [40], gamma: 0.1, granularity: 'epoch' },
      /** `--clip_max_norm 0.1`. */
      clipGradNorm: 0.1,
      /** `print_freq = 10` in `engine.train_one_epoch`. */
      logEvery: 10,
      checkpointEvery: 5000,
      /**
       * `SelfDet.__getitem__` skips images with a side ≤ 16 px; here they are skipped and listed
       * in the run's bad-images.txt.
       */
      data: { onBadImage: 'skip' },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.numQueries % config.numPatches !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['numQueries'],
        message: `numQueries must be a multiple of numPatches (${config.numPatches}), so that every patch feeds the same number of queries (UPDETR asserts num_queries % num_patches == 0); got ${config.numQueries}`,
      });
    }
    const { dModel, numHeads } = config.transformer;
    if (dModel % numHeads !== 0 || dModel % 4 !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['transformer', 'dModel'],
        message: `transformer.dModel must be divisible by transformer.numHeads (${numHeads}) and by 4 (the sine position embedding); got ${dModel}`,
      });
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

export type UpdetrConfig = z.output<typeof updetrConfigSchema>;
export type UpdetrConfigInput = z.input<typeof updetrConfigSchema>;

/**
 * `ssdet pretrain --method updetr --demo`: a ResNet-18 at 1/8 width, d = 32, 2 + 2 transformer
 * layers, 20 queries fed by 5 patches of 32 px, images with shorter side 96–128 px; 20 steps of
 * batch 2 on the bundled synthetic scenes — a couple of minutes on 2 CPU cores. A larger
 * learning rate than the paper's so that 20 steps show the loss going down.
 */
export const updetrDemoPreset = {
  image: { scales: [96, 112, 128], maxSize: 160 },
  backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
  transformer: { dModel: 32, numHeads: 4, dimFeedforward: 64, encoderLayers: 2, decoderLayers: 2 },
  numQueries: 20,
  numPatches: 5,
  patch: { size: 32 },
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
