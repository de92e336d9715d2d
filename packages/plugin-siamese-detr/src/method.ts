import {
  SINGLE_PROCESS,
  SsdetError,
  type Backbone,
  type Batch,
  type BatchedView,
  type Logger,
  type LossOutput,
  type NamedVariables,
  type PretrainMethod,
  type RegionSource,
  type Rng,
  type StepContext,
  type ProcessGroup,
} from '@ssdet/core';
import {
  paddedBatchMask as detrPaddedBatchMask,
  type PaddedBatchMask,
  type SetCriterion,
  type SetOutputs,
} from '@ssdet/detr';
import { loadPretrainedBackbone, trainableVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import {
  resolveArchitecture,
  type SiameseDetrArchitecture,
  type SiameseDetrConfig,
} from './config.js';
import { globalDiscriminationLoss } from './losses/global-discrimination-loss.js';
import type { RegionTarget } from './losses/region-discrimination-loss.js';
import { createSiameseDetrCriterion } from './losses/siamese-detr-criterion.js';
import {
  DeformableSiameseModel,
  DetrSiameseModel,
  type SiameseDetrModel,
} from './siamese-detr-model.js';
import { CROPS_A, CROPS_B, VIEW_A, VIEW_B, type SiameseDetrViewGenerator } from './views.js';

/** The stages Siamese DETR is built from, resolved by name in the run container (see plugin.ts). */
export interface SiameseDetrStages {
  /** `backbone.arch` with FrozenBatchNorm and every stage frozen, reading `levels`. */
  readonly createBackbone: (rng: Rng, levels: readonly string[]) => Backbone;
  readonly views: SiameseDetrViewGenerator;
  /** EdgeBoxes (cached). */
  readonly regions: RegionSource;
}

/** Every region's label (`t['labels'] = torch.ones(num_patches)`). */
export const REGION_LABEL = 1;

/**
 * Siamese DETR as a {@link PretrainMethod} (Chen et al., CVPR 2023): multi-view region
 * detection and semantic discrimination.
 *
 * Per step, for both directions (A → B, B → A): the frozen CNN encodes both views; the query
 * view's region boxes (jittered ±`boxes.disturbance`) give RoIAlign queries; the decoder, attending
 * to the *other* view's encoder memory, predicts the regions' boxes there and reconstructs the
 * frozen CNN's feature of each region's crop from the query view. The two directions' terms are
 * averaged (½ each); the global term aligns the two views' pooled encoder memories.
 *
 * Terms: `loss_ce`, `loss_bbox`, `loss_giou`, `loss_feature` (summed over decoder layers,
 * weighted), `loss_global` (weighted). `exports()`: `backbone` (the frozen CNN) and `detector`.
 */
export class SiameseDetrMethod implements PretrainMethod {
  readonly name = 'siamese-detr';
  readonly views: SiameseDetrViewGenerator;
  readonly regions: RegionSource;
  readonly architecture: SiameseDetrArchitecture;
  readonly model: SiameseDetrModel;
  readonly criterion: SetCriterion<RegionTarget>;

  constructor(
    readonly config: SiameseDetrConfig,
    rng: Rng,
    logger: Logger,
    stages: SiameseDetrStages,
    group: ProcessGroup = SINGLE_PROCESS,
  ) {
    this.views = stages.views;
    this.regions = stages.regions;
    const architecture = resolveArchitecture(config);
    this.architecture = architecture;
    const backbone = stages.createBackbone(rng.fork('backbone'), architecture.levels);
    loadBackboneWeights(backbone, config.backboneWeights, logger);
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
      numPatches: config.numPatches,
      globalHidden: config.globalHead.hiddenDim,
      globalOut: config.globalHead.outDim,
      rng: rng.fork('detector'),
    };
    this.model =
      architecture.detector === 'deformable-detr'
        ? new DeformableSiameseModel({
            ...common,
            numLevels: t.numLevels,
            numPoints: t.numPoints,
            queriesFromFirstImage: config.deformableQueries === 'first-image',
          })
        : new DetrSiameseModel({ ...common, preNorm: architecture.preNorm });
    this.criterion = createSiameseDetrCriterion({
      group,
      eosCoef: config.loss.eosCoef,
      weights: {
        class: config.loss.classWeight,
        bbox: config.loss.bboxWeight,
        giou: config.loss.giouWeight,
        feature: config.loss.featureWeight,
      },
      costs: {
        class: config.matcher.costClass,
        bbox: config.matcher.costBbox,
        giou: config.matcher.costGiou,
      },
    });
  }

  variables(): NamedVariables {
    return this.model.variables();
  }

  /** Transformer, heads, query projection, global head; never the CNN. */
  trainableVariables(): NamedVariables {
    return trainableVariables(this.model.variables());
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const views = [VIEW_A, VIEW_B, CROPS_A, CROPS_B].map((name) => {
      const view = batch.views[name];
      if (view === undefined) {
        throw new SsdetError(
          'SIAMESE_DETR_BATCH',
          `Siamese DETR: the batch has no "${name}" view; it has ${Object.keys(batch.views).join(', ')}.`,
        );
      }
      return view;
    });
    const [viewA, viewB, cropsA, cropsB] = views as [
      BatchedView,
      BatchedView,
      BatchedView,
      BatchedView,
    ];
    const { numPatches } = this.config;
    const { sizes, pixelMask, height, width } = paddedBatchMask(viewA);
    const boxesA = regionBoxes(viewA, numPatches);
    const boxesB = regionBoxes(viewB, numPatches);
    const jitter = context.rng.fork('box-disturbance');
    const normal = () => jitter.normal();
    const ratio = this.config.boxes.disturbance;
    const queryBoxesA = disturbBoxes(boxesA, sizes, numPatches, ratio, normal);
    const queryBoxesB = disturbBoxes(boxesB, sizes, numPatches, ratio, normal);
    return tf.tidy(() => {
      const crop = (view: tf.Tensor4D) =>
        tf.slice(view, [0, 0, 0, 0], [batch.size, height, width, 3]);
      const mask = tf.tensor3d(pixelMask, [batch.size, height, width]);
      const featuresA = this.model.backbone.forward(crop(viewA.images), { training: false });
      const featuresB = this.model.backbone.forward(crop(viewB.images), { training: false });
      const query = this.model.regionQuery;
      const queriesA = query.apply(
        query.regionFeatures(this.model.queryLevels(featuresA), queryBoxesA),
      );
      const queriesB = query.apply(
        query.regionFeatures(this.model.queryLevels(featuresB), queryBoxesB),
      );
      const dropout = context.rng.fork('dropout');
      // Queries of A decoded against B's memory predict the regions in B, and vice versa.
      const aToB = this.model.decode({
        features: featuresB,
        pixelMask: mask,
        queryPos: queriesA,
        training: true,
        rng: dropout.fork('a-to-b'),
      });
      const bToA = this.model.decode({
        features: featuresA,
        pixelMask: mask,
        queryPos: queriesB,
        training: true,
        rng: dropout.fork('b-to-a'),
      });
      const cropFeaturesA = this.cropFeatures(cropsA.images, batch.size);
      const cropFeaturesB = this.cropFeatures(cropsB.images, batch.size);
      const forward = this.direction(aToB.outputs, boxesB, sizes, cropFeaturesA);
      const backward = this.direction(bToA.outputs, boxesA, sizes, cropFeaturesB);
      const terms: Record<string, tf.Scalar> = {};
      for (const name of Object.keys(forward)) {
        terms[name] = tf.add(
          tf.mul(0.5, forward[name]!),
          tf.mul(0.5, backward[name]!),
        ) as tf.Scalar;
      }
      // Global discrimination on the two views' memories (each encoded once, in the direction
      // whose decoder attends to it): no auxiliary copies.
      const training = { training: true };
      const global = globalDiscriminationLoss(
        this.model.globalHead.apply(bToA.pooledMemory, training),
        this.model.globalHead.apply(aToB.pooledMemory, training),
      );
      terms['loss_global'] = tf.mul(this.config.loss.globalWeight, global) as tf.Scalar;
      return { total: tf.addN(Object.values(terms)) as tf.Scalar, terms };
    });
  }

  /** One direction's weighted terms summed over decoder layers. */
  private direction(
    outputs: SetOutputs,
    boxes: Float32Array,
    sizes: readonly { width: number; height: number }[],
    cropFeatures: tf.Tensor2D,
  ): Record<string, tf.Scalar> {
    const { numPatches } = this.config;
    const targets: RegionTarget[] = sizes.map(({ width, height }, b) => ({
      labels: new Int32Array(numPatches).fill(REGION_LABEL),
      boxes: tf.tensor2d(normalisedCxcywh(boxes, b, numPatches, width, height), [numPatches, 4]),
      features: tf.slice(cropFeatures, [b * numPatches, 0], [numPatches, -1]) as tf.Tensor2D,
    }));
    const setOutputs = this.config.loss.auxLoss
      ? outputs
      : { logits: outputs.logits, boxes: outputs.boxes, ...extrasOf(outputs) };
    return sumOverLayers(this.criterion.compute(setOutputs, targets).terms);
  }

  /** `[B, M·S, S, 3]` crop strips → `[B·M, C]` frozen CNN features. */
  private cropFeatures(strips: tf.Tensor4D, batch: number): tf.Tensor2D {
    return tf.tidy(() => {
      const size = strips.shape[2];
      const crops = tf.reshape(tf.slice(strips, [0, 0, 0, 0], [batch, -1, -1, -1]), [
        -1,
        size,
        size,
        3,
      ]) as tf.Tensor4D;
      // The CNN is frozen: no gradient reaches it (`torch.no_grad()` officially).
      return this.model.cropFeatures(crops);
    });
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { backbone: this.model.backbone.variables(), detector: this.model.exportDetector() };
  }

  /** Frees every variable (for library users running several methods in one process). */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Loads the frozen CNN's weights (SwAV's ResNet-50 officially) from a weights file or an
 * `ssdet pretrain` run directory; `random` keeps the random initialisation (an ablation).
 */
export function loadBackboneWeights(
  backbone: Backbone,
  source: string | undefined,
  logger: Logger,
): void {
  if (source === undefined)
    throw new SsdetError(
      'PRETRAINED_BACKBONE_REQUIRED',
      'Siamese DETR trains on a frozen, pre-trained CNN, and no backboneWeights was given.',
      {
        hint: 'Set backboneWeights to a weights file (e.g. SwAV\'s ResNet-50 .pth), an ssdet pretrain run directory, or "random" for an ablation.',
      },
    );
  if (source === 'random') return;
  const { report, prefix } = loadPretrainedBackbone(backbone, source, 'backboneWeights');
  logger.info(
    `Siamese DETR: loaded ${report.loaded.length} backbone tensors from ${source}` +
      (prefix === '' ? '.' : ` (prefix "${prefix}" removed).`),
  );
}

/**
 * DETR's `NestedTensor` for the views: each image's own size, the batch's largest, and the
 * `[B, H, W]` pixel mask (1 inside the image, 0 on the bottom/right padding). Views A and B of
 * an image share their size.
 */
export function paddedBatchMask(view: BatchedView): PaddedBatchMask {
  return detrPaddedBatchMask(view, { code: 'SIAMESE_DETR_BATCH', method: 'Siamese DETR' });
}

/** `[B·M·4]` the M region boxes of each image (xyxy view pixels), checked to be 0 … M−1 in order. */
export function regionBoxes(view: BatchedView, numPatches: number): Float32Array {
  if (view.boxes === undefined || view.boxIds === undefined) {
    throw new SsdetError('SIAMESE_DETR_BATCH', 'Siamese DETR: the views carry no region boxes.');
  }
  const boxes = view.boxes.dataSync();
  const ids = view.boxIds.dataSync();
  const perImage = view.boxes.shape[1];
  const batch = view.boxes.shape[0];
  const out = new Float32Array(batch * numPatches * 4);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < numPatches; k++) {
      if (k >= perImage || ids[b * perImage + k] !== k) {
        throw new SsdetError(
          'SIAMESE_DETR_BATCH',
          `Siamese DETR: image ${b} of the batch does not carry its ${numPatches} region boxes in order.`,
        );
      }
      out.set(
        boxes.subarray((b * perImage + k) * 4, (b * perImage + k + 1) * 4),
        (b * numPatches + k) * 4,
      );
    }
  }
  return out;
}

/**
 * The query boxes (`add_randomness_on_multiview_box`): each edge moved by (σ(n)·2 − 1)·ratio of
 * the box's w or h, n ~ N(0, 1) (`normal`, row-major per box), then clamped to the view. The
 * targets keep the exact boxes.
 */
export function disturbBoxes(
  boxes: Float32Array,
  sizes: readonly { width: number; height: number }[],
  numPatches: number,
  ratio: number,
  normal: () => number,
): Float32Array {
  const out = Float32Array.from(boxes);
  if (ratio <= 0) return out;
  for (let r = 0; r < boxes.length / 4; r++) {
    const { width, height } = sizes[Math.floor(r / numPatches)]!;
    const w = boxes[r * 4 + 2]! - boxes[r * 4]!;
    const h = boxes[r * 4 + 3]! - boxes[r * 4 + 1]!;
    [w, h, w, h].forEach((size, c) => {
      const shift = size * ((1 / (1 + Math.exp(-normal()))) * ratio * 2 - ratio);
      const limit = c % 2 === 0 ? width : height;
      out[r * 4 + c] = Math.min(Math.max(boxes[r * 4 + c]! + shift, 0), limit);
    });
  }
  return out;
}

/** Image b's M boxes as (cx, cy, w, h) divided by the view's width and height. */
function normalisedCxcywh(
  boxes: Float32Array,
  b: number,
  numPatches: number,
  width: number,
  height: number,
): Float32Array {
  const out = new Float32Array(numPatches * 4);
  for (let k = 0; k < numPatches; k++) {
    const at = (b * numPatches + k) * 4;
    const [x0, y0, x1, y1] = [boxes[at]!, boxes[at + 1]!, boxes[at + 2]!, boxes[at + 3]!];
    out.set(
      [(x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height],
      k * 4,
    );
  }
  return out;
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
