import { SsdetError, type HasVariables, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from './named-variables.js';

/**
 * BatchNorm with statistics and affine parameters fixed, detectron2's and DETR's
 * `FrozenBatchNorm2d`: `y = x·s + (β − running_mean·s)` with `s = γ/√(running_var + ε)`, in
 * training and evaluation alike. All four tensors are buffers (`trainable = false`), so no
 * optimizer changes them and no gradient is computed for them; the gradient still flows to `x`.
 *
 * Variables: `weight`, `bias`, `running_mean`, `running_var` (no `num_batches_tracked`, as in
 * detectron2).
 */
export class FrozenBatchNorm2d implements HasVariables {
  readonly numFeatures: number;
  readonly eps: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(options: { readonly numFeatures: number; readonly eps?: number }) {
    const { numFeatures } = options;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `FrozenBatchNorm2d option "numFeatures" must be a positive integer; got ${numFeatures}.`,
      );
    }
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.weight = variableFrom(() => tf.ones([numFeatures]), false);
    this.bias = variableFrom(() => tf.zeros([numFeatures]), false);
    this.runningMean = variableFrom(() => tf.zeros([numFeatures]), false);
    this.runningVar = variableFrom(() => tf.ones([numFeatures]), false);
  }

  /** `options.training` is accepted for interface symmetry and has no effect. */
  forward(x: tf.Tensor4D, _options?: { readonly training: boolean }): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.numFeatures) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `FrozenBatchNorm2d expects NHWC input with ${this.numFeatures} channels; got shape [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const { scale, shift } = this.scaleAndShift();
      return tf.add(tf.mul(x, scale), shift);
    });
  }

  /** The per-channel affine map it applies: `s = γ/√(running_var + ε)`, `shift = β − running_mean·s`. */
  scaleAndShift(): { readonly scale: tf.Tensor1D; readonly shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D;
      const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale)) as tf.Tensor1D;
      return { scale, shift };
    });
  }

  variables(): NamedVariables {
    return new Map<string, tf.Variable>([
      ['weight', this.weight],
      ['bias', this.bias],
      ['running_mean', this.runningMean],
      ['running_var', this.runningVar],
    ]);
  }
}
