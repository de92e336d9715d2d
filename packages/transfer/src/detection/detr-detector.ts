import type { Backbone, NamedVariables, Rng } from '@ssdet/core';
import {
  DetectionHead,
  HungarianMatcher,
  InputProjection,
  QueryEmbedding,
  resizePixelMask,
  SetCriterion,
  sinePositionEmbedding,
  Transformer,
  type SetOutputs,
} from '@ssdet/detr';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectionInput, DetectionTargets, Detector } from './detector.js';
import type { Detections } from './postprocess-detections.js';
import { paddingMask, pixelBoxes, toSetTargets } from './set-inputs.js';

/** DETR's architecture; the defaults are DETR-R50's (`main.py`). */
export interface DetrOptions {
  /** Object classes (no-object excluded). */
  readonly numClasses: number;
  readonly dModel?: number;
  readonly numHeads?: number;
  readonly dimFeedforward?: number;
  readonly encoderLayers?: number;
  readonly decoderLayers?: number;
  readonly dropout?: number;
  /** `normalize_before` (UP-DETR pre-trains pre-norm). Default false. */
  readonly preNorm?: boolean;
  readonly numQueries?: number;
  readonly rng: Rng;
}

/**
 * DETR (Carion et al., ECCV 2020) as a fine-tunable detector: the registered backbone's C5,
 * `input_proj`, the encoder–decoder transformer with sine positions and learned queries,
 * `class_embed` (C + 1 logits) and `bbox_embed`, trained with the Hungarian-matched set loss
 * (class 1 with no-object weight 0.1, L1 5, GIoU 2, on every decoder layer).
 *
 * Variables use DETR's and UP-DETR's state-dict names — `backbone.*` (torchvision names),
 * `input_proj.*`, `transformer.*`, `class_embed.*`, `bbox_embed.*`, `query_embed.weight` — so a
 * UP-DETR run initialises everything but the class head.
 */
export class DetrDetector implements Detector {
  readonly needsMasks = false;
  readonly inputProj: InputProjection;
  readonly transformer: Transformer;
  readonly head: DetectionHead;
  readonly queries: QueryEmbedding;
  readonly criterion: SetCriterion;
  readonly numClasses: number;
  private readonly dModel: number;

  constructor(
    readonly backbone: Backbone,
    options: DetrOptions,
  ) {
    const { rng } = options;
    this.numClasses = options.numClasses;
    this.dModel = options.dModel ?? 256;
    const c5 = backbone.levels.find((level) => level.name === 'C5');
    if (c5 === undefined) throw new Error(`Backbone "${backbone.name}" has no level C5.`);
    this.inputProj = new InputProjection(c5.channels, this.dModel, rng.fork('input_proj'));
    this.transformer = new Transformer({
      dModel: this.dModel,
      numHeads: options.numHeads ?? 8,
      dimFeedforward: options.dimFeedforward ?? 2048,
      dropout: options.dropout ?? 0.1,
      normalizeBefore: options.preNorm ?? false,
      numEncoderLayers: options.encoderLayers ?? 6,
      numDecoderLayers: options.decoderLayers ?? 6,
      returnIntermediate: true,
      rng: rng.fork('transformer'),
    });
    this.head = new DetectionHead({
      dModel: this.dModel,
      numLogits: options.numClasses + 1,
      rng: rng.fork('heads'),
    });
    this.queries = new QueryEmbedding(
      options.numQueries ?? 100,
      this.dModel,
      rng.fork('query_embed'),
    );
    this.criterion = new SetCriterion({
      numClasses: options.numClasses,
      matcher: new HungarianMatcher({ costClass: 1, costBbox: 5, costGiou: 2 }),
      eosCoef: 0.1,
      weights: { class: 1, bbox: 5, giou: 2 },
    });
  }

  losses(
    input: DetectionInput,
    targets: readonly DetectionTargets[],
    rng: Rng,
  ): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const outputs = this.forward(input, true, rng);
      return {
        ...this.criterion.compute(outputs, toSetTargets(targets, input.imageSizes)).terms,
      };
    });
  }

  /**
   * DETR's `PostProcess`: per query the best object class of the softmax (no-object dropped) and
   * its probability as the score, boxes scaled by the image's own size; all queries, best first.
   */
  detect(input: DetectionInput): Detections[] {
    const result: Detections[] = [];
    tf.tidy(() => {
      const outputs = this.forward(input, false);
      const probabilities = tf.softmax(outputs.logits);
      const objects = probabilities.slice([0, 0, 0], [-1, -1, this.numClasses]);
      const scores = tf.max(objects, 2).arraySync() as number[][];
      const labels = tf.argMax(objects, 2).arraySync() as number[][];
      const boxes = outputs.boxes.arraySync() as number[][][];
      input.imageSizes.forEach((size, b) => {
        const order = scores[b]!.map((_, q) => q).sort(
          (p, q) => scores[b]![q]! - scores[b]![p]! || p - q,
        );
        result.push({
          boxes: pixelBoxes(boxes[b]!, order, size),
          scores: Float32Array.from(order, (q) => scores[b]![q]!),
          labels: Int32Array.from(order, (q) => labels[b]![q]! + 1),
        });
      });
    });
    return result;
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['input_proj', this.inputProj],
      ['transformer', this.transformer],
      ['', this.head],
      ['query_embed', this.queries],
    ]);
  }

  /** Backbone C5 → transformer → heads, with the padding masked. */
  private forward(input: DetectionInput, training: boolean, rng?: Rng): SetOutputs {
    return tf.tidy(() => {
      const c5 = this.backbone.forward(input.images, { training })['C5']!;
      const pixelMask = paddingMask(input);
      const mask = resizePixelMask(pixelMask, [c5.shape[1], c5.shape[2]]);
      const pos = sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2 });
      const { hs } = this.transformer.apply({
        src: this.inputProj.apply(c5),
        pixelMask: mask,
        pos,
        queryPos: this.queries.embeddings,
        training,
        ...(rng === undefined ? {} : { rng }),
      });
      return this.head.apply(hs) as unknown as tf.TensorContainer;
    }) as unknown as SetOutputs;
  }
}
