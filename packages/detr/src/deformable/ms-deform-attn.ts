import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import { Linear, collectVariables } from '@ssdet/nn';
import { msDeformAttnCore } from './ms-deform-attn-core.js';
import { assertFlattenedLength, type SpatialShapes } from './spatial-shapes.js';

export interface MsDeformAttnOptions {
  /** d (256). */
  readonly dModel: number;
  /** Feature levels L (4; 1 for single-scale). */
  readonly numLevels?: number;
  /** Heads M (8). */
  readonly numHeads?: number;
  /** Sampling points per head and level P (4). */
  readonly numPoints?: number;
  readonly rng: Rng;
}

export interface MsDeformAttnInputs {
  /** `[B, Lq, d]` queries (with their positional embedding added). */
  readonly query: tf.Tensor3D;
  /**
   * `[B, Lq, L, 2]` normalised reference points (x, y) per level, or `[B, Lq, L, 4]` reference
   * boxes (cx, cy, w, h).
   */
  readonly referencePoints: tf.Tensor4D;
  /** `[B, S, d]` the flattened multi-level input. */
  readonly input: tf.Tensor3D;
  readonly spatialShapes: SpatialShapes;
  /** `[B, S]`, true/1 = padding (its values are zeroed). */
  readonly paddingMask?: tf.Tensor2D;
}

/**
 * Deformable DETR's `MSDeformAttn` module: per query, M heads each sample P points on each of
 * L levels around a reference point, p̂ = p_ref + Δp / (W_l, H_l) (or, for reference boxes,
 * p̂ = (cx, cy) + Δp / P · (w, h) / 2), weighted by a softmax over the L·P samples.
 * Variables `sampling_offsets.*`, `attention_weights.*`, `value_proj.*`, `output_proj.*`,
 * initialised as the official `_reset_parameters` (offsets start on a ring of M directions at
 * radii 1…P; uniform attention).
 */
export class MsDeformAttn implements HasVariables {
  readonly dModel: number;
  readonly numLevels: number;
  readonly numHeads: number;
  readonly numPoints: number;
  readonly samplingOffsets: Linear;
  readonly attentionWeights: Linear;
  readonly valueProj: Linear;
  readonly outputProj: Linear;

  constructor(options: MsDeformAttnOptions) {
    this.dModel = options.dModel;
    this.numLevels = options.numLevels ?? 4;
    this.numHeads = options.numHeads ?? 8;
    this.numPoints = options.numPoints ?? 4;
    const { dModel, numLevels, numHeads, numPoints } = this;
    if (dModel % numHeads !== 0) {
      throw new SsdetError(
        'DETR_ATTENTION_HEADS',
        `MsDeformAttn: dModel (${dModel}) must be divisible by numHeads (${numHeads}).`,
      );
    }
    const rng = options.rng;
    this.samplingOffsets = new Linear({
      inFeatures: dModel,
      outFeatures: numHeads * numLevels * numPoints * 2,
      rng,
      init: 'zeros',
      biasInit: 'zeros',
    });
    this.attentionWeights = new Linear({
      inFeatures: dModel,
      outFeatures: numHeads * numLevels * numPoints,
      rng,
      init: 'zeros',
      biasInit: 'zeros',
    });
    this.valueProj = new Linear({
      inFeatures: dModel,
      outFeatures: dModel,
      rng,
      init: 'xavierUniform',
    });
    this.outputProj = new Linear({
      inFeatures: dModel,
      outFeatures: dModel,
      rng,
      init: 'xavierUniform',
    });
    tf.tidy(() => {
      this.valueProj.bias?.assign(tf.zeros([dModel]));
      this.outputProj.bias?.assign(tf.zeros([dModel]));
      this.samplingOffsets.bias?.assign(
        tf.tensor1d(initialOffsets(numHeads, numLevels, numPoints)),
      );
    });
  }

  /** → `[B, Lq, d]`. */
  apply(inputs: MsDeformAttnInputs): tf.Tensor3D {
    const { query, referencePoints, input, spatialShapes } = inputs;
    const [batch, numQueries] = query.shape;
    const length = input.shape[1];
    const { numHeads: m, numLevels: l, numPoints: p, dModel } = this;
    assertFlattenedLength(spatialShapes, length, 'MsDeformAttn input');
    if (spatialShapes.length !== l) {
      throw new SsdetError(
        'DETR_SPATIAL_SHAPES',
        `MsDeformAttn: built for ${l} levels, got ${spatialShapes.length} spatial shapes.`,
      );
    }
    return tf.tidy(() => {
      let value = this.valueProj.forward(input);
      if (inputs.paddingMask !== undefined) {
        const keep = tf.logicalNot(tf.cast(inputs.paddingMask, 'bool'));
        value = tf.mul(value, tf.expandDims(tf.cast(keep, 'float32'), 2));
      }
      const values = tf.reshape(value, [batch, length, m, dModel / m]) as tf.Tensor4D;
      const offsets = tf.reshape(this.samplingOffsets.forward(query), [
        batch,
        numQueries,
        m,
        l,
        p,
        2,
      ]);
      const logits = tf.reshape(this.attentionWeights.forward(query), [
        batch,
        numQueries,
        m,
        l * p,
      ]);
      const attention = tf.reshape(tf.softmax(logits, -1), [batch, numQueries, m, l, p]);
      const coordinates = referencePoints.shape[3];
      let locations: tf.Tensor;
      if (coordinates === 2) {
        const normaliser = tf.tensor(
          spatialShapes.flatMap(([h, w]) => [w, h]),
          [1, 1, 1, l, 1, 2],
        );
        locations = tf.add(
          tf.reshape(referencePoints, [batch, numQueries, 1, l, 1, 2]),
          tf.div(offsets, normaliser),
        );
      } else if (coordinates === 4) {
        const centres = tf.reshape(tf.slice(referencePoints, [0, 0, 0, 0], [-1, -1, -1, 2]), [
          batch,
          numQueries,
          1,
          l,
          1,
          2,
        ]);
        const sizes = tf.reshape(tf.slice(referencePoints, [0, 0, 0, 2], [-1, -1, -1, 2]), [
          batch,
          numQueries,
          1,
          l,
          1,
          2,
        ]);
        locations = tf.add(centres, tf.mul(tf.div(offsets, p), tf.mul(sizes, 0.5)));
      } else {
        throw new SsdetError(
          'DETR_REFERENCE_POINTS',
          `MsDeformAttn: referencePoints must end in 2 (points) or 4 (boxes); got ${coordinates}.`,
        );
      }
      const sampled = msDeformAttnCore(values, spatialShapes, locations, attention);
      return this.outputProj.forward(sampled) as tf.Tensor3D;
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['sampling_offsets', this.samplingOffsets],
      ['attention_weights', this.attentionWeights],
      ['value_proj', this.valueProj],
      ['output_proj', this.outputProj],
    ]);
  }
}

/** Head m's offsets point along angle 2πm/M, scaled to the unit square's edge, times (p + 1). */
function initialOffsets(heads: number, levels: number, points: number): Float32Array {
  const bias = new Float32Array(heads * levels * points * 2);
  for (let m = 0; m < heads; m++) {
    const theta = (m * 2 * Math.PI) / heads;
    const cos = Math.fround(Math.cos(theta));
    const sin = Math.fround(Math.sin(theta));
    const extent = Math.max(Math.abs(cos), Math.abs(sin));
    for (let l = 0; l < levels; l++) {
      for (let p = 0; p < points; p++) {
        const at = ((m * levels + l) * points + p) * 2;
        bias[at] = (cos / extent) * (p + 1);
        bias[at + 1] = (sin / extent) * (p + 1);
      }
    }
  }
  return bias;
}
