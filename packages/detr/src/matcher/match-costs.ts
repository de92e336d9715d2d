import * as tf from '@tensorflow/tfjs-core';
import { cxcywhToXyxy } from '../box/box-convert.js';
import { generalizedBoxIou } from '../box/generalized-iou.js';

/** `[T]` int32 target labels as a tensor. */
function labelTensor(labels: ArrayLike<number>): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(labels), 'int32');
}

/**
 * DETR's class cost −p̂(c_j) for prediction i and target j: minus the softmax probability of the
 * target's class (`models/matcher.py`). `logits` `[Q, C + 1]` → `[Q, T]`.
 */
export function softmaxClassCost(logits: tf.Tensor2D, labels: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(
    () => tf.neg(tf.gather(tf.softmax(logits, -1), labelTensor(labels), 1)) as tf.Tensor2D,
  );
}

/**
 * Deformable DETR's focal class cost: with p = σ(logit of the target's class),
 * pos = α(1 − p)^γ · (−log(p + 1e-8)), neg = (1 − α)p^γ · (−log(1 − p + 1e-8)), cost = pos − neg.
 * `logits` `[Q, C]` (sigmoid, no no-object column) → `[Q, T]`.
 */
export function focalClassCost(
  logits: tf.Tensor2D,
  labels: ArrayLike<number>,
  alpha = 0.25,
  gamma = 2,
): tf.Tensor2D {
  return tf.tidy(() => {
    const p = tf.gather(tf.sigmoid(logits), labelTensor(labels), 1);
    const negative = tf.mul(
      tf.mul(1 - alpha, tf.pow(p, gamma)),
      tf.neg(tf.log(tf.add(tf.sub(1, p), 1e-8))),
    );
    const positive = tf.mul(
      tf.mul(alpha, tf.pow(tf.sub(1, p), gamma)),
      tf.neg(tf.log(tf.add(p, 1e-8))),
    );
    return tf.sub(positive, negative) as tf.Tensor2D;
  });
}

/** Σ_k |b̂_ik − b_jk| over the four cxcywh coordinates (`torch.cdist(…, p=1)`). `[Q, 4]`, `[T, 4]` → `[Q, T]`. */
export function l1BoxCost(predicted: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(
    () =>
      tf.sum(
        tf.abs(tf.sub(tf.expandDims(predicted, 1), tf.expandDims(target, 0))),
        2,
      ) as tf.Tensor2D,
  );
}

/** −GIoU of cxcywh boxes. `[Q, 4]`, `[T, 4]` → `[Q, T]`. */
export function giouBoxCost(predicted: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(
    () => tf.neg(generalizedBoxIou(cxcywhToXyxy(predicted), cxcywhToXyxy(target))) as tf.Tensor2D,
  );
}
