import { normalizedRegressionLoss } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '../stop-gradient.js';

/** One view's projection z and prediction p of its pooled encoder memory. */
export interface GlobalLatents {
  readonly projection: tf.Tensor2D;
  readonly prediction: tf.Tensor2D;
}

/**
 * Global discrimination (Chen et al., "Siamese DETR", CVPR 2023, §3.3;
 * `SiameseDETREncoderGlobalLatentHead` in Zx55/SiameseDETR `models/heads/siamdetr_head.py`): BYOL's
 * symmetric regression between the two views' average-pooled encoder memories,
 *   L_gd = ½·(2 − 2·cos(p_A, sg(z_B))) + ½·(2 − 2·cos(p_B, sg(z_A))),
 * each averaged over the batch; z = projector(pool(memory)), p = predictor(z); sg = stop-gradient
 * (no momentum encoder: both sides are the same networks).
 */
export function globalDiscriminationLoss(a: GlobalLatents, b: GlobalLatents): tf.Scalar {
  return tf.tidy(() =>
    tf.add(
      tf.mul(0.5, normalizedRegressionLoss(a.prediction, stopGradient(b.projection))),
      tf.mul(0.5, normalizedRegressionLoss(b.prediction, stopGradient(a.projection))),
    ),
  );
}
