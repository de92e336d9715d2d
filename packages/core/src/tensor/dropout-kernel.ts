import * as tf from '@tensorflow/tfjs-core';
import { philox4x32 } from '../random/philox.js';

/**
 * Kernel a backend may provide (`@ssdet/backend-native` does): input `x` (float32); attributes
 * {@link DropoutAttrs}; output `x · m`, where the multiplier of element i is
 *
 *   m_i = 1/keep  if u_i < keep · 2³²,  else 0,
 *   u_i = word (i mod 4) of Philox-4×32-10(counter (⌊i/4⌋, 0, 0, 0), key (seed, 0))
 *
 * and 1/keep is rounded to float32 first. The same attributes applied to the gradient give
 * ∂x = dy · m: the mask is recomputed from the seed, never stored.
 */
export const DROPOUT = 'SsdetDropout';

export interface DropoutAttrs {
  /** The probability of keeping an element, in (0, 1). */
  readonly keep: number;
  /** The mask's stream: an unsigned 32-bit integer. */
  readonly seed: number;
}

const TWO_POW_32 = 4294967296;

/** The multipliers m of {@link DROPOUT} for `size` elements, computed in JavaScript. */
export function dropoutMultipliers(size: number, { keep, seed }: DropoutAttrs): Float32Array {
  const threshold = keep * TWO_POW_32;
  const scale = Math.fround(1 / keep);
  const values = new Float32Array(size);
  const words = new Uint32Array(4);
  const counter: [number, number, number, number] = [0, 0, 0, 0];
  const key: [number, number] = [seed >>> 0, 0];
  for (let block = 0; block * 4 < size; block++) {
    counter[0] = block;
    philox4x32(counter, key, words);
    const end = Math.min(4, size - block * 4);
    for (let j = 0; j < end; j++) if (words[j]! < threshold) values[block * 4 + j] = scale;
  }
  return values;
}

/** Dropout is linear in x with a fixed mask: its gradient is the same kernel applied to dy. */
const dropoutGradient: tf.GradConfig = {
  kernelName: DROPOUT,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel(DROPOUT, { x: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
};
if (tf.getGradient(DROPOUT) === undefined) tf.registerGradient(dropoutGradient);

/**
 * `x · m` with the multipliers of {@link DROPOUT} (inverted dropout with a mask drawn from
 * `seed`): one kernel on a backend that has it, and otherwise the multipliers computed in
 * JavaScript and one multiplication — the same values either way. `x` must be float32.
 */
export function dropoutBySeed(x: tf.Tensor, attrs: DropoutAttrs): tf.Tensor {
  if (tf.getKernel(DROPOUT, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(DROPOUT, { x }, { ...attrs }) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMultipliers(x.size, attrs), x.shape)));
}
