import type { Backbone, NamedVariables, Rng } from '@ssdet/core';
import {
  DeformableTransformer,
  DetectionHead,
  HungarianMatcher,
  MultiLevelInputProjection,
  QueryEmbedding,
  resizePixelMask,
  SetCriterion,
  sinePositionEmbedding,
  type SetOutputs,
} from '@ssdet/detr';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectionInput, DetectionTargets, Detector } from './detector.js';
import type { Detections } from './postprocess-detections.js';
import { paddingMask, pixelBoxes, toSetTargets } from './set-inputs.js';

/** Deformable DETR's architecture; the defaults are the official single-stage model's. */
export interface DeformableDetrOptions {
  /** Object classes (sigmoid logits, no no-object class). */
  readonly numClasses: number;
  readonly dModel?: number;
  readonly numHeads?: number;
  readonly dimFeedforward?: number;
  readonly encoderLayers?: number;
  readonly decoderLayers?: number;
  readonly dropout?: number;
  /** Feature levels (4: C3–C5 and one stride-2 convolution on C5). */
  readonly numLevels?: number;
  readonly numPoints?: number;
  readonly numQueries?: number;
  /** Detections kept per image (top-k over queries × classes). Default 100. */
  readonly detectionsPerImage?: number;
  readonly rng: Rng;
}

const BACKBONE_LEVELS = ['C3', 'C4', 'C5'];

/**
 * Deformable DETR (Zhu et al., ICLR 2021; no box refinement, no two-stage — the configuration
 * DETReg, Siamese DETR and ProSeCo pre-train) as a fine-tunable detector: C3–C5 of the registered
 * backbone and a stride-2 level through `input_proj` (Conv + GroupNorm), sine positions with
 * offset −½, multi-scale deformable attention, 300 queries with reference points, sigmoid class
 * logits and boxes relative to the reference points. Loss: Hungarian matching with focal class
 * cost 2, L1 5, GIoU 2; focal loss (α 0.25, γ 2) weighted 2, L1 5, GIoU 2 on every decoder layer.
 * Detections: the top 100 of all queries × classes by sigmoid score, as the official PostProcess.
 *
 * Variables use the official names: `backbone.*`, `input_proj.*`, `transformer.*`,
 * `class_embed.*`, `bbox_embed.*`, `query_embed.weight`.
 */
export class DeformableDetrDetector implements Detector {
  readonly needsMasks = false;
  readonly inputProj: MultiLevelInputProjection;
  readonly transformer: DeformableTransformer;
  readonly head: DetectionHead;
  readonly queries: QueryEmbedding;
  readonly criterion: SetCriterion;
  readonly numClasses: number;
  private readonly dModel: number;
  private readonly detectionsPerImage: number;

  constructor(
    readonly backbone: Backbone,
    options: DeformableDetrOptions,
  ) {
    const { rng } = options;
    this.numClasses = options.numClasses;
    this.dModel = options.dModel ?? 256;
    this.detectionsPerImage = options.detectionsPerImage ?? 100;
    const numLevels = options.numLevels ?? 4;
    const channels = BACKBONE_LEVELS.map((name) => {
      const level = backbone.levels.find((candidate) => candidate.name === name);
      if (level === undefined) throw new Error(`Backbone "${backbone.name}" has no level ${name}.`);
      return level.channels;
    });
    this.inputProj = new MultiLevelInputProjection({
      backboneChannels: channels,
      dModel: this.dModel,
      numLevels,
      rng: rng.fork('input_proj'),
    });
    this.transformer = new DeformableTransformer({
      dModel: this.dModel,
      numHeads: options.numHeads ?? 8,
      dimFeedforward: options.dimFeedforward ?? 1024,
      dropout: options.dropout ?? 0.1,
      numLevels,
      numPoints: options.numPoints ?? 4,
      numEncoderLayers: options.encoderLayers ?? 6,
      numDecoderLayers: options.decoderLayers ?? 6,
      rng: rng.fork('transformer'),
    });
    this.head = new DetectionHead({
      dModel: this.dModel,
      numLogits: options.numClasses,
      deformableInit: true,
      rng: rng.fork('heads'),
    });
    this.queries = new QueryEmbedding(
      options.numQueries ?? 300,
      2 * this.dModel,
      rng.fork('query_embed'),
    );
    this.criterion = new SetCriterion({
      numClasses: options.numClasses,
      matcher: new HungarianMatcher({ costClass: 2, costBbox: 5, costGiou: 2, classCost: 'focal' }),
      classLoss: 'focal',
      weights: { class: 2, bbox: 5, giou: 2 },
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

  /** The official `PostProcess`: top-k sigmoid scores over queries × classes, boxes scaled. */
  detect(input: DetectionInput): Detections[] {
    const result: Detections[] = [];
    tf.tidy(() => {
      const outputs = this.forward(input, false);
      const [batch, queries, classes] = outputs.logits.shape;
      const k = Math.min(this.detectionsPerImage, queries * classes);
      const { values, indices } = tf.topk(tf.reshape(tf.sigmoid(outputs.logits), [batch, -1]), k);
      const scores = values.arraySync() as number[][];
      const picked = indices.arraySync() as number[][];
      const boxes = outputs.boxes.arraySync() as number[][][];
      input.imageSizes.forEach((size, b) => {
        const queriesOf = picked[b]!.map((index) => Math.floor(index / classes));
        result.push({
          boxes: pixelBoxes(boxes[b]!, queriesOf, size),
          scores: Float32Array.from(scores[b]!),
          labels: Int32Array.from(picked[b]!, (index) => (index % classes) + 1),
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

  private forward(input: DetectionInput, training: boolean, rng?: Rng): SetOutputs {
    return tf.tidy(() => {
      const features = this.backbone.forward(input.images, { training });
      const srcs = this.inputProj.apply(BACKBONE_LEVELS.map((name) => features[name]!));
      const pixelMask = paddingMask(input);
      const pixelMasks = srcs.map((src) =>
        resizePixelMask(pixelMask, [src.shape[1], src.shape[2]]),
      );
      const posEmbeds = pixelMasks.map((mask) =>
        sinePositionEmbedding(mask, { numPosFeats: this.dModel / 2, offset: -0.5 }),
      );
      const { hs, referencePoints } = this.transformer.apply({
        srcs,
        pixelMasks,
        posEmbeds,
        queryEmbed: this.queries.embeddings,
        training,
        ...(rng === undefined ? {} : { rng }),
      });
      return this.head.apply(hs, referencePoints) as unknown as tf.TensorContainer;
    }) as unknown as SetOutputs;
  }
}
