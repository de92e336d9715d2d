import { combineLosses, type LossOutput } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { denseCorrespondence } from './correspondence.js';
import type { DenseCLEncoding } from './encoder.js';
import { denseContrastiveLoss } from './losses/dense-contrastive-loss.js';
import { globalContrastiveLoss } from './losses/global-contrastive-loss.js';

export interface DenseCLObjectiveInputs {
  /** The query encoder's outputs for the query view (these carry the gradient). */
  readonly query: DenseCLEncoding;
  /** The key encoder's outputs for the key view. */
  readonly key: DenseCLEncoding;
  /** `[K, D]` global queue. */
  readonly queue: tf.Tensor2D;
  /** `[K, D]` dense queue. */
  readonly denseQueue: tf.Tensor2D;
  readonly temperature: number;
  /** λ in effect at this step. */
  readonly lambda: number;
}

export interface DenseCLObjective extends LossOutput {
  /** `(1 − λ)·L_q + λ·L_r`, with the terms `global` = (1 − λ)·L_q and `dense` = λ·L_r. */
  readonly total: tf.Scalar;
  /** L_q, unweighted. */
  readonly globalLoss: tf.Scalar;
  /** L_r, unweighted. */
  readonly denseLoss: tf.Scalar;
  /** `[N, D]` normalised global keys k, for the global queue. */
  readonly keys: tf.Tensor2D;
  /** `[N, D]` normalised spatial means of the key's dense projection, for the dense queue. */
  readonly denseKeys: tf.Tensor2D;
  /** `[N, S²]` the correspondence s* used. */
  readonly matches: tf.Tensor2D;
}

/**
 * DenseCL's objective from the two encoders' outputs (official `forward_train` after the
 * encoders): normalise q, k, r, t and the pooled dense keys; match positions on the backbone
 * features; `L = (1 − λ)·L_q + λ·L_r` (paper eq. 3). Returns what the queues receive after the step.
 */
export function denseclObjective(inputs: DenseCLObjectiveInputs): DenseCLObjective {
  const { query, key, queue, denseQueue, temperature, lambda } = inputs;
  return tf.tidy(() => {
    const flat = (dense: tf.Tensor4D): tf.Tensor3D => {
      const [n, h, w, d] = dense.shape;
      return l2Normalize(tf.reshape(dense, [n, h * w, d]) as tf.Tensor3D, 2);
    };
    const q = l2Normalize(query.global, 1);
    const k = l2Normalize(key.global, 1);
    const matches = denseCorrespondence(query.c5, key.c5);
    const globalLoss = globalContrastiveLoss(q, k, queue, temperature);
    const denseLoss = denseContrastiveLoss(
      flat(query.dense),
      flat(key.dense),
      matches,
      denseQueue,
      temperature,
    );
    const { total, terms } = combineLosses([
      { name: 'global', weight: 1 - lambda, value: globalLoss },
      { name: 'dense', weight: lambda, value: denseLoss },
    ]);
    return {
      total,
      terms,
      globalLoss,
      denseLoss,
      keys: k,
      denseKeys: l2Normalize(key.densePooled, 1),
      matches,
    };
  });
}
