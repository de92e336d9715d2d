import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import { Linear, collectVariables, initWeight, variableFrom, type DropoutContext } from '@ssdet/nn';
import { DeformableDecoderLayer } from './deformable-decoder-layer.js';
import { DeformableEncoderLayer } from './deformable-encoder-layer.js';
import type { DeformableLayerOptions } from './deformable-layer-options.js';
import {
  encoderReferencePoints,
  referencePointsPerLevel,
  validRatios,
} from './reference-points.js';
import type { SpatialShapes } from './spatial-shapes.js';

export interface DeformableTransformerOptions extends DeformableLayerOptions {
  /** 6. */
  readonly numEncoderLayers?: number;
  /** 6. */
  readonly numDecoderLayers?: number;
}

export interface DeformableTransformerInputs extends DropoutContext {
  /** Per level `[B, H_l, W_l, d]` projected features, finest first. */
  readonly srcs: readonly tf.Tensor4D[];
  /** Per level `[B, H_l, W_l]`, 1 = image, 0 = padding. */
  readonly pixelMasks: readonly tf.Tensor3D[];
  /** Per level `[B, H_l, W_l, d]` sine positions (Deformable DETR's: offset −0.5). */
  readonly posEmbeds: readonly tf.Tensor4D[];
  /**
   * `[Q, 2d]` query embedding, split as official into query_pos (first d) and tgt (last d),
   * or `[B, Q, 2d]` per image.
   */
  readonly queryEmbed: tf.Tensor;
  /** `[Q, Q]` decoder self-attention mask. */
  readonly tgtMask?: tf.Tensor;
}

export interface DeformableTransformerOutput {
  /** `[numDecoderLayers, B, Q, d]` every decoder layer's output (no final norm, as official). */
  readonly hs: tf.Tensor4D;
  /** `[B, Q, 2]` sigmoid(reference_points(query_pos)), the boxes' anchors before inverse-sigmoid. */
  readonly referencePoints: tf.Tensor3D;
  /** `[B, S, d]` encoder output, levels flattened. */
  readonly memory: tf.Tensor3D;
  readonly spatialShapes: SpatialShapes;
}

/**
 * Deformable DETR's `DeformableTransformer` (single- and multi-scale; no box refinement, no
 * two-stage — the configuration DETReg, ProSeCo and Siamese DETR pre-train). Features of all
 * levels are flattened and get `level_embed[l]` added to their positions; the encoder's
 * deformable self-attention samples around each position's reference point on every level; the
 * decoder's queries carry reference points sigmoid(Linear(query_pos)).
 * Variables `level_embed` `[L, d]`, `encoder.layers.{i}.*`, `decoder.layers.{i}.*`,
 * `reference_points.*` — the official `transformer.*` state dict names.
 */
export class DeformableTransformer implements HasVariables {
  readonly dModel: number;
  readonly numLevels: number;
  readonly levelEmbed: tf.Variable;
  readonly encoderLayers: readonly DeformableEncoderLayer[];
  readonly decoderLayers: readonly DeformableDecoderLayer[];
  readonly referencePoints: Linear;

  constructor(options: DeformableTransformerOptions) {
    this.dModel = options.dModel;
    this.numLevels = options.numLevels ?? 4;
    this.encoderLayers = Array.from(
      { length: options.numEncoderLayers ?? 6 },
      () => new DeformableEncoderLayer(options),
    );
    this.decoderLayers = Array.from(
      { length: options.numDecoderLayers ?? 6 },
      () => new DeformableDecoderLayer(options),
    );
    // nn.init.normal_(level_embed): N(0, 1), the fans do not enter.
    this.levelEmbed = variableFrom(() =>
      initWeight(
        [this.numLevels, this.dModel],
        { fanIn: this.dModel, fanOut: this.numLevels },
        'standardNormal',
        options.rng,
      ),
    );
    this.referencePoints = new Linear({
      inFeatures: this.dModel,
      outFeatures: 2,
      rng: options.rng,
      init: 'xavierUniform',
    });
    tf.tidy(() => this.referencePoints.bias?.assign(tf.zeros([2])));
  }

  apply(inputs: DeformableTransformerInputs): DeformableTransformerOutput {
    const { srcs, pixelMasks, posEmbeds } = inputs;
    if (
      srcs.length !== this.numLevels ||
      pixelMasks.length !== this.numLevels ||
      posEmbeds.length !== this.numLevels
    ) {
      throw new SsdetError(
        'DETR_LEVELS',
        `DeformableTransformer: built for ${this.numLevels} levels; got ${srcs.length} srcs, ${pixelMasks.length} masks, ${posEmbeds.length} position maps.`,
      );
    }
    const batch = srcs[0]!.shape[0];
    const d = this.dModel;
    const spatialShapes: SpatialShapes = srcs.map((src) => [src.shape[1], src.shape[2]] as const);
    const context: DropoutContext =
      inputs.rng === undefined
        ? { training: inputs.training }
        : { training: inputs.training, rng: inputs.rng };
    const tensors = tf.tidy(() => {
      const flatten = (x: tf.Tensor4D): tf.Tensor3D => tf.reshape(x, [batch, -1, d]);
      const src = tf.concat(srcs.map(flatten), 1) as tf.Tensor3D;
      const pos = tf.concat(
        posEmbeds.map((p, level) =>
          tf.add(flatten(p), tf.reshape(tf.slice(this.levelEmbed, [level, 0], [1, d]), [1, 1, d])),
        ),
        1,
      ) as tf.Tensor3D;
      const paddingMask = tf.logicalNot(
        tf.cast(
          tf.concat(
            pixelMasks.map((m) => tf.reshape(m, [batch, -1])),
            1,
          ),
          'bool',
        ),
      ) as tf.Tensor2D;
      const ratios = validRatios(pixelMasks);

      const encoderPoints = encoderReferencePoints(spatialShapes, ratios);
      let memory = src;
      for (const layer of this.encoderLayers) {
        memory = layer.apply(memory, {
          ...context,
          pos,
          referencePoints: encoderPoints,
          spatialShapes,
          paddingMask,
        });
      }

      const numQueries = inputs.queryEmbed.shape[inputs.queryEmbed.rank - 2]!;
      const embed =
        inputs.queryEmbed.rank === 2
          ? tf.broadcastTo(tf.expandDims(inputs.queryEmbed, 0), [batch, numQueries, 2 * d])
          : inputs.queryEmbed;
      const queryPos = tf.slice(embed, [0, 0, 0], [-1, -1, d]) as tf.Tensor3D;
      let tgt = tf.slice(embed, [0, 0, d], [-1, -1, d]) as tf.Tensor3D;
      const referencePoints = tf.sigmoid(this.referencePoints.forward(queryPos)) as tf.Tensor3D;
      const decoderPoints = referencePointsPerLevel(referencePoints, ratios);
      const hs: tf.Tensor3D[] = [];
      for (const layer of this.decoderLayers) {
        tgt = layer.apply(tgt, memory, {
          ...context,
          queryPos,
          referencePoints: decoderPoints,
          spatialShapes,
          paddingMask,
          ...(inputs.tgtMask === undefined ? {} : { tgtMask: inputs.tgtMask }),
        });
        hs.push(tgt);
      }
      return { hs: tf.stack(hs) as tf.Tensor4D, referencePoints, memory };
    });
    return { ...tensors, spatialShapes };
  }

  variables(): NamedVariables {
    return collectVariables([
      ['level_embed', this.levelEmbed],
      ...this.encoderLayers.map((layer, i) => [`encoder.layers.${i}`, layer] as const),
      ...this.decoderLayers.map((layer, i) => [`decoder.layers.${i}`, layer] as const),
      ['reference_points', this.referencePoints],
    ]);
  }
}
