import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { dropout } from './dropout.js';
import { Mlp } from './mlp.js';

useCpuBackend();

describe('Mlp', () => {
  it("names its layers like DETR's MLP and puts ReLU between, not after the last", () => {
    const mlp = new Mlp({
      inputDim: 1,
      hiddenDim: 1,
      outputDim: 1,
      numLayers: 2,
      rng: Rng.fromSeed(0),
    });
    expect([...mlp.variables().keys()]).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    tf.tidy(() => {
      for (const layer of mlp.layers) {
        layer.weight.assign(tf.tensor2d([[-1]]));
        layer.bias!.assign(tf.tensor1d([0]));
      }
      // x = −2: relu(2) = 2 → −2 (no ReLU after the last layer); x = 2: relu(−2) = 0 → 0.
      expectValues(mlp.forward(tf.tensor3d([-2, 2], [1, 2, 1])), [-2, 0], 1e-6, [1, 2, 1]);
    });
  });

  it('gives each layer its own draws from the shared stream', () => {
    const mlp = new Mlp({
      inputDim: 3,
      hiddenDim: 3,
      outputDim: 3,
      numLayers: 2,
      rng: Rng.fromSeed(1),
    });
    expect(Array.from(mlp.layers[1]!.weight.dataSync())).not.toEqual(
      Array.from(mlp.layers[0]!.weight.dataSync()),
    );
  });

  it('refuses a non-positive layer count', () => {
    expect(
      () =>
        new Mlp({ inputDim: 1, hiddenDim: 1, outputDim: 1, numLayers: 0, rng: Rng.fromSeed(0) }),
    ).toThrow(SsdetError);
  });
});

describe('dropout', () => {
  it('is the identity in evaluation and inverted dropout in training, seeded by the stream', () => {
    tf.tidy(() => {
      const x = tf.ones([1000]);
      expect(dropout(x, 0.5, { training: false })).toBe(x);
      const a = dropout(x, 0.5, { training: true, rng: Rng.fromSeed(2) }).dataSync();
      const b = dropout(x, 0.5, { training: true, rng: Rng.fromSeed(2) }).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(new Set(a)).toEqual(new Set([0, 2]));
    });
  });
});
