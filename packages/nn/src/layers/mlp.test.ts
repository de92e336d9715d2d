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

  it('keeps each element with probability 1 − rate, scaled by 1/(1 − rate), and draws one value of the stream', () => {
    const rng = Rng.fromSeed(5);
    const twin = Rng.fromSeed(5);
    const x = tf.randomNormal([200_000], 0, 1, 'float32', 3);
    const y = dropout(x, 0.1, { training: true, rng });
    twin.nextUint32();
    expect(rng.nextUint32()).toBe(twin.nextUint32());
    const xs = x.dataSync();
    const ys = y.dataSync();
    let kept = 0;
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      if (ys[i] === 0) continue;
      kept += 1;
      worst = Math.max(worst, Math.abs(ys[i]! - xs[i]! / 0.9));
    }
    expect(worst).toBeLessThan(1e-5);
    // 200,000 draws: the kept fraction's standard deviation is 0.00067.
    expect(kept / xs.length).toBeGreaterThan(0.897);
    expect(kept / xs.length).toBeLessThan(0.903);
    tf.dispose([x, y]);
  });

  it('differentiates through the same mask and leaks no tensors', () => {
    const x = tf.ones([4096]);
    const before = tf.memory().numTensors;
    const rng = Rng.fromSeed(8);
    const out = dropout(x, 0.25, { training: true, rng });
    const gradient = tf.grad((v: tf.Tensor) =>
      tf.sum(dropout(v, 0.25, { training: true, rng: Rng.fromSeed(8) })),
    )(x);
    expect(Array.from(gradient.dataSync())).toEqual(Array.from(out.dataSync()));
    tf.dispose([out, gradient]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
