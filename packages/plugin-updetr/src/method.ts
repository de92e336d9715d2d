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
} from '@ssdet/detr';
import { trainableVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackboneWeights } from './backbone-weights.js';
import type { UpdetrConfig } from './config.js';
import type { PatchTarget } from './losses/feature-reconstruction-loss.js';
import { createUpdetrCriterion } from './losses/updetr-criterion.js';
import { UpdetrModel } from './updetr-model.js';
import { IMAGE_VIEW, patchViewName, type UpdetrViewGenerator } from './views.js';

/** The stages UP-DETR is built from, resolved by name in the run container (see plugin.ts). */
export interface UpdetrStages {
  /** `backbone.arch` with FrozenBatchNorm, frozen as `backbone.frozen` says; reads its C5. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** The image view and the query-patch views. */
  readonly views: UpdetrViewGenerator;
  /** Where the query patches come from: `random` boxes (`get_random_patch_from_img`). */
  readonly regions: RegionSource;
}

/** The label of every query patch (UP-DETR's `labels.append(1)`). */
export const PATCH_LABEL = 1;

/**
 * UP-DETR as a {@link PretrainMethod} (Dai et al., CVPR 2021): random query patch detection.
 *
 * Per step: the `image` views are cropped to the batch's largest image with DETR's pixel mask;
 * the frozen CNN encodes image and patches; the decoder, queried by the patches' features,
 * predicts each patch's box and a patch/no-object class on every layer; the loss is
 * {@link createUpdetrCriterion}'s matched CE + L1 + GIoU + feature reconstruction.
 *
 * `exports()`: `backbone` (the CNN, torchvision names) and `detector` (input_proj, transformer,
 * class/bbox heads, query_embed, patch2query, feature_align) for DETR fine-tuning.
 */
export class UpdetrMethod implements PretrainMethod {
  readonly name = 'updetr';
  readonly views: UpdetrViewGenerator;
  readonly regions: RegionSource;
  readonly model: UpdetrModel;
  readonly criterion: SetCriterion<PatchTarget>;

  constructor(
    readonly config: UpdetrConfig,
    rng: Rng,
    logger: Logger,
    stages: UpdetrStages,
    group: ProcessGroup = SINGLE_PROCESS,
  ) {
    this.views = stages.views;
    this.regions = stages.regions;
    this.model = new UpdetrModel({
      createBackbone: stages.createBackbone,
      dModel: config.transformer.dModel,
      numHeads: config.transformer.numHeads,
      dimFeedforward: config.transformer.dimFeedforward,
      encoderLayers: config.transformer.encoderLayers,
      decoderLayers: config.transformer.decoderLayers,
      dropout: config.transformer.dropout,
      preNorm: config.transformer.preNorm,
      transformerInit: config.init.transformer,
      numQueries: config.numQueries,
      numPatches: config.numPatches,
      numClasses: config.numClasses,
      featureReconstruction: config.featureReconstruction,
      rng,
    });
    loadBackboneWeights(this.model.backbone, config.backboneWeights, logger);
    this.criterion = createUpdetrCriterion({
      group,
      numClasses: config.numClasses,
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
      featureReconstruction: config.featureReconstruction,
    });
  }

  variables(): NamedVariables {
    return this.model.variables();
  }

  /** Transformer, heads, patch2query, query_embed (and layer2–4 of the CNN if not frozen). */
  trainableVariables(): NamedVariables {
    return trainableVariables(this.model.variables());
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const imageView = batch.views[IMAGE_VIEW];
    if (imageView === undefined) {
      throw new SsdetError('UPDETR_BATCH', `UP-DETR: the batch has no "${IMAGE_VIEW}" view.`);
    }
    const { numPatches } = this.config;
    const patchViews = Array.from({ length: numPatches }, (_, k) => {
      const view = batch.views[patchViewName(k)];
      if (view === undefined) {
        throw new SsdetError(
          'UPDETR_BATCH',
          `UP-DETR: the batch has no "${patchViewName(k)}" view.`,
        );
      }
      return view;
    });
    const { sizes, pixelMask, height, width } = paddedBatchMask(imageView);
    const boxes = normalisedTargetBoxes(imageView, sizes, numPatches);
    const draw = this.model.patchQuery.draw(
      batch.size,
      this.config.maskRatio,
      this.config.queryShuffle,
      context.rng.fork('query-patches'),
    );
    return tf.tidy(() => {
      const images = tf.slice(imageView.images, [0, 0, 0, 0], [batch.size, height, width, 3]);
      const patchSize = patchViews[0]!.images.shape[1];
      const patches = tf.reshape(
        tf.stack(
          patchViews.map((view) => view.images),
          1,
        ),
        [batch.size * numPatches, patchSize, patchSize, 3],
      ) as tf.Tensor4D;
      const { outputs, patchFeatures } = this.model.forward({
        images,
        pixelMask: tf.tensor3d(pixelMask, [batch.size, height, width]),
        patches,
        training: true,
        rng: context.rng.fork('dropout'),
        draw,
      });
      const targets: PatchTarget[] = boxes.map((imageBoxes, b) => ({
        labels: new Int32Array(numPatches).fill(PATCH_LABEL),
        boxes: tf.tensor2d(imageBoxes, [numPatches, 4]),
        features: tf.slice(patchFeatures, [b * numPatches, 0], [numPatches, -1]) as tf.Tensor2D,
      }));
      const setOutputs = this.config.loss.auxLoss
        ? outputs
        : { logits: outputs.logits, boxes: outputs.boxes, ...extrasOf(outputs) };
      const result = this.criterion.compute(setOutputs, targets);
      return { total: result.total, terms: sumOverLayers(result.terms) };
    });
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return {
      backbone: this.model.backbone.variables(),
      detector: this.model.detectorVariables(),
    };
  }

  /** Frees every variable (for library users running several methods in one process). */
  dispose(): void {
    tf.dispose([...this.variables().values(), this.model.attentionMask]);
  }
}

function extrasOf(layer: { readonly extras?: Readonly<Record<string, tf.Tensor>> }) {
  return layer.extras === undefined ? {} : { extras: layer.extras };
}

/**
 * DETR's `NestedTensor` for the `image` views: each image's own size (its geometry), the batch's
 * largest height and width, and the `[B, H, W]` pixel mask (1 inside each image, 0 on the
 * bottom/right padding).
 */
export function paddedBatchMask(view: BatchedView): PaddedBatchMask {
  return detrPaddedBatchMask(view, { code: 'UPDETR_BATCH', method: 'UP-DETR' });
}

/**
 * The patch boxes of each image as DETR's targets: (cx, cy, w, h) divided by the image's own
 * width and height (DETR's `Normalize` after the resize), in patch order.
 */
export function normalisedTargetBoxes(
  view: BatchedView,
  sizes: readonly { width: number; height: number }[],
  numPatches: number,
): Float32Array[] {
  if (view.boxes === undefined || view.boxIds === undefined) {
    throw new SsdetError('UPDETR_BATCH', 'UP-DETR: the image views carry no patch boxes.');
  }
  const boxes = view.boxes.dataSync();
  const ids = view.boxIds.dataSync();
  const perImage = view.boxes.shape[1];
  return sizes.map(({ width, height }, b) => {
    const out = new Float32Array(numPatches * 4);
    for (let k = 0; k < numPatches; k++) {
      if (k >= perImage || ids[b * perImage + k] !== k) {
        throw new SsdetError(
          'UPDETR_BATCH',
          `UP-DETR: image ${b} of the batch does not carry its ${numPatches} patch boxes in order.`,
        );
      }
      const at = (b * perImage + k) * 4;
      const [x0, y0, x1, y1] = [boxes[at]!, boxes[at + 1]!, boxes[at + 2]!, boxes[at + 3]!];
      out.set(
        [(x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height],
        k * 4,
      );
    }
    return out;
  });
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
