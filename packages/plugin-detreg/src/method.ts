import {
  SINGLE_PROCESS,
  SsdetError,
  type Backbone,
  type Batch,
  type Logger,
  type LossOutput,
  type NamedVariables,
  type ParameterGroup,
  type PretrainMethod,
  type RegionSource,
  type Rng,
  type StepContext,
  type ProcessGroup,
} from '@ssdet/core';
import { linearProjectionParameterGroups, type SetCriterion, type SetOutputs } from '@ssdet/detr';
import { trainableVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackboneWeights } from './backbone-weights.js';
import { resolveArchitecture, type DetregArchitecture, type DetregConfig } from './config.js';
import { DeformableDetregModel, DetrDetregModel, type DetregModel } from './detreg-model.js';
import { createDetregCriterion } from './losses/detreg-criterion.js';
import type { PriorTarget } from './losses/object-embedding-loss.js';
import { imagePriors, paddedBatchMask } from './padded-batch.js';
import { Teacher } from './teacher.js';
import { CROPS_VIEW, IMAGE_VIEW, type DetregViewGenerator } from './views.js';

/** The stages DETReg is built from, resolved by name in the run container (see plugin.ts). */
export interface DetregStages {
  /** `backbone.arch` with FrozenBatchNorm2d and every stage frozen, reading `levels`. */
  readonly createBackbone: (rng: Rng, levels: readonly string[]) => Backbone;
  /** The image view (with the priors) and the crops view. */
  readonly views: DetregViewGenerator;
  /** The region priors: Selective Search, preset `detreg` (fresh or cached). */
  readonly regions: RegionSource;
}

/** The label of every region prior (`SelfDet`: `torch.ones(len(boxes))`). */
export const PRIOR_LABEL = 1;

/**
 * DETReg as a {@link PretrainMethod} (Bar et al., CVPR 2022): region priors and embedding
 * distillation.
 *
 * Per step: the `image` views are cropped to the batch's largest image with DETR's pixel mask;
 * the frozen CNN feeds the detector (Deformable DETR, or DETR); the frozen teacher embeds the
 * crop of every prior still in view; the loss is {@link createDetregCriterion}'s matched focal
 * (CE) + L1 + GIoU on every decoder layer and the embedding L1 on the last.
 *
 * `exports()`: `backbone` (the frozen CNN, torchvision names) and `detector` (input_proj,
 * transformer, bbox_embed, query_embed, feature_embed — not `class_embed`, which DETReg's
 * fine-tuning deletes: `if 'class_embed' in k: del state_dict[k]`).
 */
export class DetregMethod implements PretrainMethod {
  readonly name = 'detreg';
  readonly views: DetregViewGenerator;
  readonly regions: RegionSource;
  readonly architecture: DetregArchitecture;
  readonly model: DetregModel;
  readonly teacher: Teacher;
  readonly criterion: SetCriterion<PriorTarget>;

  constructor(
    readonly config: DetregConfig,
    rng: Rng,
    logger: Logger,
    stages: DetregStages,
    group: ProcessGroup = SINGLE_PROCESS,
  ) {
    this.views = stages.views;
    this.regions = stages.regions;
    const architecture = resolveArchitecture(config);
    this.architecture = architecture;
    const deformable = architecture.detector === 'deformable-detr';
    const teacherLevel = config.teacher.embedding === 'intermediate' ? 'C3' : 'C5';
    const backbone = stages.createBackbone(rng.fork('backbone'), [
      ...new Set([...(deformable ? ['C3', 'C4', 'C5'] : ['C5']), teacherLevel]),
    ]);
    loadBackboneWeights(backbone, config.backboneWeights, 'backboneWeights', logger);

    // The official teacher is a second copy of the same SwAV CNN: share ours unless told otherwise.
    const teacherWeights = config.teacher.weights ?? config.backboneWeights;
    const shared = teacherWeights === config.backboneWeights;
    let teacherBackbone = backbone;
    if (!shared) {
      teacherBackbone = stages.createBackbone(rng.fork('teacher'), [teacherLevel]);
      loadBackboneWeights(teacherBackbone, teacherWeights, 'teacher.weights', logger);
    }
    this.teacher = new Teacher(
      teacherBackbone,
      config.teacher.embedding,
      shared,
      rng.fork('teacher-head'),
    );
    if (this.teacher.head !== undefined) {
      if (teacherWeights === undefined || teacherWeights === 'random') {
        throw new SsdetError(
          'DETREG_TEACHER_HEAD_MISSING',
          'teacher.embedding "head" regresses SwAV\'s projection head, which only a SwAV weights file provides; none was given.',
          {
            hint: 'Set teacher.weights to swav_800ep_pretrain.pth.tar, or use teacher.embedding=intermediate.',
          },
        );
      }
      this.teacher.loadHead(
        teacherWeights,
        config.teacher.weights === undefined ? 'backboneWeights' : 'teacher.weights',
      );
    }

    const t = config.transformer;
    const common = {
      backbone,
      dModel: t.dModel,
      numHeads: t.numHeads,
      dimFeedforward: architecture.dimFeedforward,
      encoderLayers: t.encoderLayers,
      decoderLayers: t.decoderLayers,
      dropout: t.dropout,
      numQueries: architecture.numQueries,
      numClasses: config.numClasses,
      embeddingDim: this.teacher.embeddingDim,
      rng: rng.fork('detector'),
    };
    this.model = deformable
      ? new DeformableDetregModel({ ...common, numLevels: t.numLevels, numPoints: t.numPoints })
      : new DetrDetregModel({ ...common, preNorm: architecture.preNorm });
    this.criterion = createDetregCriterion({
      group,
      numClasses: config.numClasses,
      classLoss: architecture.classLoss,
      focalAlpha: config.loss.focalAlpha,
      eosCoef: config.loss.eosCoef,
      weights: {
        class: architecture.classWeight,
        bbox: config.loss.bboxWeight,
        giou: config.loss.giouWeight,
        embedding: config.loss.embeddingWeight,
      },
      costs: {
        class: architecture.costClass,
        bbox: config.matcher.costBbox,
        giou: config.matcher.costGiou,
      },
    });
  }

  variables(): NamedVariables {
    const teacher = [...this.teacher.variables()].map(([n, v]) => [`teacher.${n}`, v] as const);
    return new Map([...this.model.variables(), ...teacher]);
  }

  /** The transformer, the heads and the queries; neither CNN nor the teacher. */
  trainableVariables(): NamedVariables {
    return trainableVariables(this.model.variables());
  }

  /**
   * `main.py`'s parameter groups: everything at the learning rate, `reference_points` and
   * `sampling_offsets` at `linearProjLrMultiplier` × it (the backbone group is empty: lr 0).
   */
  parameterGroups(): readonly ParameterGroup[] {
    return linearProjectionParameterGroups(
      this.trainableVariables(),
      this.config.linearProjLrMultiplier,
    );
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const imageView = batch.views[IMAGE_VIEW];
    const cropsView = batch.views[CROPS_VIEW];
    if (imageView === undefined || cropsView === undefined) {
      throw new SsdetError(
        'DETREG_BATCH',
        `DETReg: the batch needs the "${IMAGE_VIEW}" and "${CROPS_VIEW}" views; it has ${Object.keys(batch.views).join(', ')}.`,
      );
    }
    const { sizes, pixelMask, height, width } = paddedBatchMask(imageView);
    const priors = imagePriors(imageView, sizes);
    const [, stripHeight, cropSize] = cropsView.images.shape;
    const slotsPerImage = stripHeight / cropSize;
    // Every prior still in view, image-major: its row among the batch's crop slots.
    const rows = Int32Array.from(
      priors.flatMap((p, b) => Array.from(p.slots, (slot) => b * slotsPerImage + slot)),
    );
    return tf.tidy(() => {
      const images = tf.slice(imageView.images, [0, 0, 0, 0], [batch.size, height, width, 3]);
      const outputs = this.model.forward({
        images,
        pixelMask: tf.tensor3d(pixelMask, [batch.size, height, width]),
        training: true,
        rng: context.rng.fork('dropout'),
      });
      const embeddings = this.embedCrops(cropsView.images, rows, cropSize);
      let offset = 0;
      const targets: PriorTarget[] = priors.map((p) => {
        const count = p.slots.length;
        const target = {
          labels: new Int32Array(count).fill(PRIOR_LABEL),
          boxes: tf.tensor2d(p.boxes, [count, 4]),
          embeddings: tf.slice(embeddings, [offset, 0], [count, -1]) as tf.Tensor2D,
        };
        offset += count;
        return target;
      });
      const setOutputs: SetOutputs = this.config.loss.auxLoss
        ? outputs
        : { logits: outputs.logits, boxes: outputs.boxes, ...extrasOf(outputs) };
      const result = this.criterion.compute(setOutputs, targets);
      return { total: result.total, terms: sumOverLayers(result.terms) };
    });
  }

  /** The teacher's embeddings `[N, E]` of the crops in `rows` of the `[B, slots·S, S, 3]` strips. */
  embedCrops(strips: tf.Tensor4D, rows: Int32Array, cropSize: number): tf.Tensor2D {
    return tf.tidy(() => {
      const crops = tf.reshape(strips, [-1, cropSize, cropSize, 3]) as tf.Tensor4D;
      const used = tf.gather(crops, tf.tensor1d(rows, 'int32')) as tf.Tensor4D;
      return this.teacher.embed(used);
    });
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    const detector = new Map(
      [...this.model.detectorVariables()].filter(([name]) => !name.startsWith('class_embed.')),
    );
    return { backbone: this.model.backbone.variables(), detector };
  }

  /** Frees every variable (for library users running several methods in one process). */
  dispose(): void {
    tf.dispose([...this.variables().values()]);
  }
}

function extrasOf(layer: { readonly extras?: Readonly<Record<string, tf.Tensor>> }) {
  return layer.extras === undefined ? {} : { extras: layer.extras };
}

/** `loss_ce`, `loss_ce_0`, … → `loss_ce` (the weighted sum over decoder layers), etc. */
function sumOverLayers(terms: Readonly<Record<string, tf.Scalar>>): Record<string, tf.Scalar> {
  const groups = new Map<string, tf.Scalar[]>();
  for (const [name, value] of Object.entries(terms)) {
    const base = name.replace(/_\d+$/, '');
    groups.set(base, [...(groups.get(base) ?? []), value]);
  }
  return Object.fromEntries(
    [...groups].map(([name, values]) => [name, tf.addN(values) as tf.Scalar]),
  );
}
