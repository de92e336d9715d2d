import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { disposeVariables } from '@ssdet/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeatureEmbedHead } from './feature-embed-head.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('FeatureEmbedHead', () => {
  it('is Linear d → d, ReLU, Linear d → E under DETReg’s names', () => {
    const head = new FeatureEmbedHead({ dModel: 4, embeddingDim: 3, rng: Rng.fromSeed(0) });
    expect([...head.variables().keys()].sort()).toEqual([
      'layers.0.bias',
      'layers.0.weight',
      'layers.1.bias',
      'layers.1.weight',
    ]);
    const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 1) as tf.Tensor3D;
    const out = head.apply(x);
    const v = head.variables();
    // Linear weights are [in, out] (the transpose of PyTorch's).
    const manual = tf.tidy(() => {
      const h = tf.relu(
        tf.add(tf.matMul(x.reshape([10, 4]), v.get('layers.0.weight')!), v.get('layers.0.bias')!),
      );
      return tf
        .add(tf.matMul(h, v.get('layers.1.weight')!), v.get('layers.1.bias')!)
        .reshape([2, 5, 3]);
    });
    expect(out.shape).toEqual([2, 5, 3]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(out, manual))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-6);
    tf.dispose([x, out, manual]);
    disposeVariables(head);
  });

  it('embeds the last decoder layer only and leaks nothing', () => {
    const head = new FeatureEmbedHead({ dModel: 4, embeddingDim: 2, rng: Rng.fromSeed(1) });
    const hs = tf.randomNormal([3, 2, 5, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const last = head.applyToLastLayer(hs);
    expect(tf.memory().numTensors - before).toBe(1);
    const expected = tf.tidy(() =>
      head.apply(tf.slice(hs, [2, 0, 0, 0], [1, -1, -1, -1]).squeeze([0])),
    );
    expect(last.shape).toEqual([2, 5, 2]);
    expect(Array.from(last.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([hs, last, expected]);
    disposeVariables(head);
  });
});
