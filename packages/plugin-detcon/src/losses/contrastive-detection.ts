import { SsdetError } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** Proxy for ∞: what a same-view logit of the same image and mask loses (official `infinity_proxy`). */
const INFINITY_PROXY = 1e9;

/** Both directions' inputs to {@link contrastiveDetection}. */
export interface ContrastiveDetectionInputs {
  /** `[B, K, D]` p¹, p²: the mask vectors that predict, per view (online predictions; DetCon-S: projections). */
  readonly predictions: readonly [tf.Tensor3D, tf.Tensor3D];
  /** `[B, K, D]` t¹, t²: the mask vectors predicted, per view (target projections; DetCon-S: the same projections). */
  readonly targets: readonly [tf.Tensor3D, tf.Tensor3D];
  /** `[B][K]` mask ids of the prediction slots, per view. */
  readonly predictionIds: readonly [readonly Int32Array[], readonly Int32Array[]];
  /** `[B][K]` mask ids of the target slots, per view (the same draw as the predictions' in DetCon). */
  readonly targetIds: readonly [readonly Int32Array[], readonly Int32Array[]];
  /** τ. */
  readonly temperature: number;
}

/**
 * The contrastive detection objective, batched and symmetrised (Hénaff et al., "Efficient Visual
 * Pretraining with Contrastive Detection", ICCV 2021, §3.1 eq. 3; official `byol_nce_detcon` in
 * google-deepmind/detcon `utils/losses.py`, single replica). With p, t L2-normalised and slot
 * (b, m) of view 1 holding mask id i¹_{b,m}:
 *
 *     z_{b,m} = [ ⟨p¹_{b,m}, t²_{u,v}⟩/τ  for all u, v ;  ⟨p¹_{b,m}, t¹_{u,v}⟩/τ − 10⁹·1[u = b ∧ j¹_{u,v} = i¹_{b,m}] ]
 *     y_{b,m} = 1[u = b ∧ j²_{u,v} = i¹_{b,m}] / max(n_{b,m}, 1)        (over the first half; 0 on the second)
 *     w_{b,m} = 1[n_{b,m} > 0] / #{m′ : i¹_{b,m′} = i¹_{b,m}}
 *     L_a    = (1/(B·K)) Σ_{b,m} w_{b,m} · (−Σ_j y_{b,m,j} log softmax(z_{b,m})_j)
 *
 * where n_{b,m} counts the positives (the other view's slots of the same image with the same id)
 * and j are the target slots' ids. L_b swaps the views; L = L_a + L_b. Negatives are every other
 * mask of every image in both views; a mask vector never contrasts with its own image's same mask
 * in its own view. Sampled with replacement, a mask drawn n times carries weight n·(1/n) = 1.
 *
 * Since Σ_j y_j = 1 wherever w ≠ 0, each term is computed as w·(logsumexp(z) − Σ_j y_j z_j), the
 * positive logits taken from the same-image blocks only. Gradients flow into whichever inputs
 * carry them (DetCon-B: the predictions; DetCon-S: both, the same tensors).
 */
export function contrastiveDetection(inputs: ContrastiveDetectionInputs): tf.Scalar {
  const { predictions, targets, predictionIds, targetIds, temperature } = inputs;
  const [b, k, d] = predictions[0].shape;
  for (const tensor of [...predictions, ...targets]) {
    if (tensor.rank !== 3 || !tf.util.arraysEqual(tensor.shape, [b, k, d])) {
      throw new SsdetError(
        'DETCON_BAD_INPUT',
        `contrastiveDetection expects predictions and targets [B, K, D] alike; got [${predictions
          .concat(targets)
          .map((t) => t.shape.join(', '))
          .join('], [')}].`,
      );
    }
  }
  if (!(temperature > 0))
    throw new SsdetError('DETCON_BAD_OPTION', `temperature must be > 0; got ${temperature}.`);
  for (const ids of [...predictionIds, ...targetIds]) {
    if (ids.length !== b || ids.some((row) => row.length !== k))
      throw new SsdetError('DETCON_BAD_INPUT', `mask ids must be [${b}][${k}] per view.`);
  }
  return tf.tidy(() => {
    const p = predictions.map((x) => l2Normalize(x)) as [tf.Tensor3D, tf.Tensor3D];
    const t = targets.map((x) => l2Normalize(x)) as [tf.Tensor3D, tf.Tensor3D];
    const direction = (view: 0 | 1): tf.Scalar => {
      const other = (1 - view) as 0 | 1;
      const ids = predictionIds[view];
      const constants = directionConstants(ids, targetIds[other], targetIds[view], b, k);
      const flatP = tf.reshape(p[view], [b * k, d]);
      const cross = tf.matMul(flatP, tf.reshape(t[other], [b * k, d]), false, true);
      const own = tf.matMul(flatP, tf.reshape(t[view], [b * k, d]), false, true);
      // 10⁹ off the same-view logits of the same image and id: [B,1,B,1] × [B,K,1,K] → [BK, BK].
      const sameViewMask = tf.reshape(
        tf.mul(
          tf.reshape(tf.eye(b), [b, 1, b, 1]),
          tf.reshape(tf.tensor3d(constants.sameView, [b, k, k]), [b, k, 1, k]),
        ),
        [b * k, b * k],
      );
      const logits = tf.concat(
        [
          tf.div(cross, temperature),
          tf.sub(tf.div(own, temperature), tf.mul(sameViewMask, INFINITY_PROXY)),
        ],
        1,
      ) as tf.Tensor2D;
      // Positive logits: the other view's slots of the same image (block-diagonal of `cross`).
      const sameImage = tf.div(tf.matMul(p[view], t[other], false, true), temperature);
      const positive = tf.sum(tf.mul(sameImage, tf.tensor3d(constants.labels, [b, k, k])), 2);
      const crossEntropy = tf.sub(tf.logSumExp(logits, 1), tf.reshape(positive, [b * k]));
      return tf.mean(tf.mul(crossEntropy, tf.tensor1d(constants.weights)));
    };
    return tf.add(direction(0), direction(1)) as tf.Scalar;
  });
}

/** The CPU-side bookkeeping of one direction: positives, weights and the same-view mask. */
function directionConstants(
  ids: readonly Int32Array[],
  otherTargetIds: readonly Int32Array[],
  ownTargetIds: readonly Int32Array[],
  b: number,
  k: number,
): { labels: Float32Array; weights: Float32Array; sameView: Float32Array } {
  const labels = new Float32Array(b * k * k);
  const weights = new Float32Array(b * k);
  const sameView = new Float32Array(b * k * k);
  for (let image = 0; image < b; image++) {
    const own = ids[image]!;
    for (let m = 0; m < k; m++) {
      const row = (image * k + m) * k;
      let positives = 0;
      let area = 0;
      for (let v = 0; v < k; v++) {
        if (otherTargetIds[image]![v] === own[m]) {
          labels[row + v] = 1;
          positives++;
        }
        if (ownTargetIds[image]![v] === own[m]) sameView[row + v] = 1;
        if (own[v] === own[m]) area++;
      }
      if (positives > 0) for (let v = 0; v < k; v++) labels[row + v]! /= positives;
      weights[image * k + m] = positives > 0 ? 1 / area : 0;
    }
  }
  return { labels, weights, sameView };
}
