import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './register-gradients.js';
import { withoutReleaseDuringBackprop } from './release-during-backprop.js';
import { selectBackend } from './select-backend.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/**
 * A 12-layer MLP with skip connections, tanh and relu (shared inputs, several gradient paths),
 * each layer in its own tidy as `@ssdet/nn`'s are, so the forward pass keeps only saved tensors.
 */
function network(weights: readonly tf.Variable[], x: tf.Tensor): tf.Scalar {
  let h = x;
  weights.forEach((w, i) => {
    const input = h;
    h = tf.tidy(() => {
      const z = tf.matMul(input, w);
      return i % 3 === 2 ? tf.add(tf.relu(z), input) : tf.tanh(z);
    });
  });
  return tf.mean(tf.square(h));
}

async function stepWithPeak(
  weights: readonly tf.Variable[],
  x: tf.Tensor,
): Promise<{ peak: number; grads: Float32Array[] }> {
  let grads: Float32Array[] = [];
  const profile = await tf.profile(() => {
    const { value, grads: g } = tf.variableGrads(() => network(weights, x), [...weights]);
    grads = weights.map((w) => g[w.name]!.dataSync() as Float32Array);
    tf.dispose([value, g]);
  });
  return { peak: profile.peakBytes, grads };
}

describe('releasing saved tensors and gradients during backprop', () => {
  const weights = Array.from({ length: 12 }, (_, i) =>
    tf.variable(tf.randomNormal([64, 64], 0, 0.2, 'float32', i)),
  );
  const x = tf.randomNormal([256, 64], 0, 1, 'float32', 99);

  it('gives the same gradients with a lower peak, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const released = await stepWithPeak(weights, x);
    const baseline = await withoutReleaseDuringBackprop(() => stepWithPeak(weights, x));
    expect(tf.memory().numTensors).toBe(before);
    released.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(baseline.grads[i]!)));
    expect(released.peak).toBeLessThan(0.8 * baseline.peak);
  });

  it('leaves a caller-supplied dy and higher-order gradients intact', () => {
    tf.tidy(() => {
      const dy = tf.ones([256, 64]);
      const [g] = tf.grads((a: tf.Tensor) => tf.tanh(tf.matMul(a, weights[0]!)))([x], dy);
      expect(dy.isDisposed).toBe(false);
      expect(g!.shape).toEqual([256, 64]);
      // d²/dv² of v³ = 6v: the inner gradient's saved tensors must survive for the outer one.
      const v = tf.tensor([1, 2, 3]);
      const second = tf.grad((a: tf.Tensor) =>
        tf.sum(tf.grad((b: tf.Tensor) => tf.sum(tf.pow(b, 3)))(a)),
      )(v);
      expect(Array.from(second.dataSync())).toEqual([6, 12, 18]);
    });
  });
});
