import { backboneConfigSchema, regionsConfigSchema, trainingConfigWithDefaults } from '@ssdet/core';
import {
  detrGeometryConfigIssues,
  detrGeometryConfigSchema,
  simclrColorAugmentationFields,
} from '@ssdet/data';
import { z } from 'zod';

/**
 * ProSeCo's hyper-parameters (Bouniot, Audigier, Loesch, Habrard, "Proposal-Contrastive
 * Pretraining for Object Detection from Fewer Data", ICLR 2023, arXiv 2310.16835).
 *
 * No official code is public, and only the abstract, the opening of the introduction and the
 * caption of Fig. 2 of the paper were readable to us (checked twice against two stored full-text
 * copies; the method section, experiments and tables stayed out of reach, so no section numbers
 * are cited — the README's provenance table lists each choice). What those state: a student
 * and an EMA teacher, two copies of the detector on one fixed pre-trained CNN; K Selective Search
 * boxes per image; weak augmentations T₁ for the teacher and strong ones T₂ for the student; the
 * student's boxes Hungarian-matched to the Selective Search boxes for L_coord + L_giou; the
 * student's predictions matched to the teacher's proposals for the contrastive loss, whose
 * positives use the boxes' locations. Every value they do not give is marked **(inferred)**,
 * with the reasoning; the README lists them.
 */
export const prosecoConfigSchema = z
  .object({
    /**
     * The paper's detector: Deformable DETR (single scale of box prediction, no iterative box
     * refinement, no two-stage — as in DETReg, which ProSeCo compares against). The only value:
     * named so `ssdet benchmark` / `ssdet finetune` pick the matching detector from config.yaml.
     */
    detector: z.literal('deformable-detr').default('deformable-detr'),
    /**
     * `--image-size`: when set, every view has this one shorter side (longer ≤ `image.maxSize`)
     * instead of the multi-scale recipe.
     */
    imageSize: z.number().int().min(32).optional(),
    /**
     * The geometry both views share: DETReg's (flip; then a plain multi-scale resize or resize →
     * random size crop → resize) **(inferred)**. The weak (teacher) view is this geometry only;
     * the strong (student) view adds {@link strongAugmentation}. Sharing the geometry keeps the
     * Selective Search boxes, the student's and the teacher's boxes in one frame, which the
     * IoU-based positives need.
     */
    image: detrGeometryConfigSchema,
    /**
     * The student's photometric augmentation on top of the shared geometry (Fig. 2: "asymmetric
     * set of weak augmentations T₁ and strong augmentations T₂"). The SimCLR/BYOL colour recipe
     * DETReg applies to its crops **(inferred: the paper names the asymmetry, not the values)**.
     */
    strongAugmentation: z
      .object({ ...simclrColorAugmentationFields })
      .strict()
      .prefault({}),
    /**
     * The fixed CNN (abstract, introduction: only the detection-specific parts are pre-trained; FrozenBatchNorm2d,
     * lr 0); any registered backbone with C3–C5 levels.
     */
    backbone: backboneConfigSchema({ arch: 'resnet50' }),
    /**
     * The fixed CNN's weights (the plugin's `pretrainedBackbone`): a weights file
     * (`.pth`/`.safetensors`), an `ssdet pretrain` run directory, or `random` (an ablation).
     * The paper argues (abstract, introduction) for *consistency* between backbone and head: the backbone
     * should itself be pre-trained for local, object-level features, so a run of an object-level
     * CNN method (`detcon`, `soco`, `densecl`) fits better than a global one. `--demo` fills it
     * with a CNN demo run; a full-scale run without it is refused.
     */
    backboneWeights: z.string().min(1).optional(),
    transformer: z
      .object({
        /** Deformable DETR's `hidden_dim 256`. */
        dModel: z.number().int().positive().default(256),
        /** `nheads 8`. */
        numHeads: z.number().int().positive().default(8),
        /** `dim_feedforward 1024` (Deformable DETR). */
        dimFeedforward: z.number().int().positive().default(1024),
        /** `enc_layers 6`. */
        encoderLayers: z.number().int().positive().default(6),
        /** `dec_layers 6`. */
        decoderLayers: z.number().int().positive().default(6),
        /** `dropout 0.1`. */
        dropout: z.number().min(0).lt(1).default(0.1),
        /** `num_feature_levels 4`: C3–C5 and a stride-2 convolution on C5. */
        numLevels: z.number().int().positive().default(4),
        /** `dec_n_points 4`, `enc_n_points 4`. */
        numPoints: z.number().int().positive().default(4),
      })
      .strict()
      .prefault({}),
    /** Deformable DETR's 300 object queries: the "many proposals per image" the loss contrasts. */
    numQueries: z.number().int().positive().default(300),
    /**
     * Class logits (sigmoid): every Selective Search box is label 1, as DETReg; 91 like DETReg's
     * COCO default **(inferred)**. `class_embed` is not exported (fine-tuning replaces it).
     */
    numClasses: z.number().int().min(2).default(91),
    /**
     * The object embedding: `feature_embed`, MLP d → d → `embeddingDim` (2 layers) on the last
     * decoder layer's output of each query, L2-normalised in the loss. The paper contrasts "object
     * embeddings" of the detector's predictions; DETReg's 2-layer MLP shape with a d-sized output
     * **(inferred)**.
     */
    embeddingDim: z.number().int().positive().default(256),
    /**
     * The K Selective Search boxes per image (Fig. 2: "K random boxes are computed using the
     * Selective Search algorithm"): `@ssdet/proposals`' Selective Search with DETReg's preset
     * (fast mode on the 128² squash, first 30 in output order — an order Selective Search itself
     * randomises, rank u · level with u ~ U[0, 1), hence "random" boxes). K = 30 as DETReg
     * **(inferred)**.
     */
    regions: regionsConfigSchema({
      algorithm: 'selective-search',
      parameters: { 'selective-search': { preset: 'detreg' } },
      cache: false,
    }),
    /** K: Selective Search boxes kept per image (30, DETReg's `max_prop`) **(inferred)**. */
    maxPriors: z.number().int().positive().default(30),
    /** Fewer boxes than this, before or after augmentation, and the image is replaced (DETReg: 2). */
    minPriors: z.number().int().min(1).default(2),
    /** LocInfoNCE (abstract: "object location information in the selection of positive examples"). */
    contrast: z
      .object({
        /**
         * δ: a teacher proposal is a positive of a student prediction when its box overlaps the
         * anchor box with IoU ≥ δ (same image). 0.5 **(inferred: the usual detection threshold;
         * the paper ablates the threshold)**.
         */
        iouThreshold: z.number().min(0).max(1).default(0.5),
        /** τ of the softmax over the batch's teacher proposals: 0.1 **(inferred)**. */
        temperature: z.number().positive().default(0.1),
        /**
         * The box positives are measured from: `teacher` — the teacher proposal the student
         * prediction is matched to (so the matched proposal is always positive) — or `student`
         * — the student's own predicted box (the matched proposal is added as a positive).
         * **(inferred: `teacher`)**.
         */
        anchorBox: z.enum(['teacher', 'student']).default('teacher'),
        /**
         * How several positives enter: `mean-log` — −(1/|P(i)|) Σ_p log softmax (SupCon's
         * L_out, Khosla et al. 2020) — or `log-sum` — −log Σ_p softmax. **(inferred: mean-log)**.
         */
        positives: z.enum(['mean-log', 'log-sum']).default('mean-log'),
      })
      .strict()
      .prefault({}),
    /**
     * The teacher's EMA momentum m (θ_t ← m·θ_t + (1 − m)·θ_s after every step): 0.999,
     * constant, as mean-teacher detectors use **(inferred)**.
     */
    momentum: z.number().min(0).max(1).default(0.999),
    loss: z
      .object({
        /** λ_class: the student's objectness focal loss on matched priors (DETReg's 2) **(inferred)**. */
        classWeight: z.number().min(0).default(2),
        /** λ_coord: L1 on the matched Selective Search boxes (Deformable DETR / DETReg's 5). */
        bboxWeight: z.number().min(0).default(5),
        /** λ_giou: 1 − GIoU on the matched boxes (Deformable DETR / DETReg's 2). */
        giouWeight: z.number().min(0).default(2),
        /** λ_LocInfoNCE: 1 **(inferred)**. */
        contrastWeight: z.number().min(0).default(1),
        /** Focal α 0.25, γ 2 (Deformable DETR). */
        focalAlpha: z.number().min(0).max(1).default(0.25),
        /** Class, box and GIoU terms on every decoder layer (Deformable DETR's `aux_loss`). */
        auxLoss: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /**
     * Matching costs, used twice: student ↔ Selective Search boxes (class 2, L1 5, GIoU 2 —
     * Deformable DETR's matcher) and student ↔ teacher proposals (L1 5, GIoU 2, and
     * `costEmbedding` × −cos of the object embeddings, 0 by default so boxes only)
     * **(inferred: Fig. 2 matches the student's "full predictions" to the teacher's proposals
     * without giving the cost; `costEmbedding` > 0 is the reading where "full" includes the
     * embeddings)**.
     */
    matcher: z
      .object({
        costClass: z.number().min(0).default(2),
        costBbox: z.number().min(0).default(5),
        costGiou: z.number().min(0).default(2),
        /** Student ↔ teacher matching only: weight of −cos(ẑ, z′) (0 = boxes only). */
        costEmbedding: z.number().min(0).default(0),
      })
      .strict()
      .prefault({}),
    /** `reference_points` and `sampling_offsets` train at 0.1 × lr (Deformable DETR). */
    linearProjLrMultiplier: z.number().min(0).default(0.1),
    train: trainingConfigWithDefaults({
      /**
       * 64 images per step **(inferred)**: the paper's point is a smaller batch than DETReg's
       * 192 — the many proposals per image supply the negatives.
       */
      batchSize: 64,
      /** 5 epochs on ImageNet-1k, DETReg's budget **(inferred)**. */
      epochs: 5,
      /** AdamW lr 2e-4, weight decay 1e-4 (Deformable DETR's optimizer) **(inferred)**. */
      optimizer: { type: 'adamw', lr: 2e-4, weightDecay: 1e-4 },
      /** Step decay at epoch 40 (none within 5 epochs), as DETReg **(inferred)**. */
      schedule: { type: 'step', milestones: [40], gamma: 0.1, granularity: 'epoch' },
      /** Gradient clipping at norm 0.1 (Deformable DETR). */
      clipGradNorm: 0.1,
      logEvery: 10,
      checkpointEvery: 5000,
      /** Images with fewer than `minPriors` boxes are replaced by the next ones. */
      data: { onBadImage: 'skip' },
    }),
  })
  .strict()
  .superRefine((config, context) => {
    const { dModel, numHeads } = config.transformer;
    if (dModel % numHeads !== 0 || dModel % 32 !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['transformer', 'dModel'],
        message: `transformer.dModel must be divisible by transformer.numHeads (${numHeads}) and a multiple of 32 (input_proj's GroupNorm(32, d)); got ${dModel}`,
      });
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
    const { costClass, costBbox, costGiou, costEmbedding } = config.matcher;
    if (costBbox === 0 && costGiou === 0 && costEmbedding === 0) {
      context.addIssue({
        code: 'custom',
        path: ['matcher'],
        message: `matcher.costBbox, matcher.costGiou and matcher.costEmbedding cannot all be 0: the student is matched to the teacher's proposals by box and embedding (costClass ${costClass} does not enter that matching)`,
      });
    }
  });

export type ProsecoConfig = z.output<typeof prosecoConfigSchema>;
export type ProsecoConfigInput = z.input<typeof prosecoConfigSchema>;

/**
 * `ssdet pretrain --method proseco --demo`: a ResNet-18 at 1/8 width, d = 32, 2 + 2 deformable
 * layers, 30 queries, at most 10 Selective Search boxes per image, shorter sides 96–128 px; 20
 * steps of batch 2 on the bundled synthetic scenes — a few minutes on 2 CPU cores. A larger
 * learning rate than the paper's and a faster teacher (m 0.9) so that 20 steps show the loss
 * going down.
 */
export const prosecoDemoPreset = {
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
  embeddingDim: 32,
  maxPriors: 10,
  regions: { parameters: { 'selective-search': { preset: 'detreg', maxBoxes: 10 } } },
  momentum: 0.9,
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
