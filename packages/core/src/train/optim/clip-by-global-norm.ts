import * as tf from '@tensorflow/tfjs-core';
import { SsdetError } from '../../errors/ssdet-error.js';

export interface ClippedGradients {
  /** New tensors (the caller disposes them, and still owns the inputs). Same keys as the input. */
  readonly gradients: Map<string, tf.Tensor>;
  /** The global L2 norm before clipping; NaN or Infinity when a gradient is not finite. */
  readonly norm: number;
}

/**
 * Rescales gradients so that their global L2 norm is at most `maxNorm`, as PyTorch's
 * `torch.nn.utils.clip_grad_norm_` (norm type 2):
 *
 *     N = √(Σᵢ ‖gᵢ‖²),   c = min(maxNorm / (N + 1e-6), 1),   gᵢ ← c·gᵢ
 *
 * Like PyTorch (error_if_nonfinite off), a non-finite norm is not an error here: the gradients
 * come out non-finite and the norm says so, for the trainer's guard to report.
 */
export function clipByGlobalNorm(
  gradients: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number,
): ClippedGradients {
  if (!Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new SsdetError(
      'CLIP_MAX_NORM',
      `clipByGlobalNorm: maxNorm must be a finite number > 0; got ${maxNorm}.`,
      { hint: 'Set train.clipGradNorm to a positive number, or leave it out to disable clipping.' },
    );
  }
  if (gradients.size === 0) return { gradients: new Map(), norm: 0 };
  const normTensor = tf.tidy(() =>
    tf.sqrt(tf.addN([...gradients.values()].map((gradient) => tf.sum(tf.square(gradient))))),
  );
  const norm = normTensor.dataSync()[0] ?? Number.NaN;
  normTensor.dispose();
  const scale = Math.min(maxNorm / (norm + 1e-6), 1);
  const clipped = new Map<string, tf.Tensor>();
  for (const [name, gradient] of gradients) clipped.set(name, tf.mul(gradient, scale));
  return { gradients: clipped, norm };
}
