import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { Conv2d } from './conv2d.js';

useCpuBackend();

describe('Conv2d', () => {
  it('names its variables weight (HWIO) and bias', () => {
    const conv = new Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, rng: Rng.fromSeed(1) });
    expect([...conv.variables().keys()]).toEqual(['weight', 'bias']);
    expect(conv.weight.shape).toEqual([3, 3, 3, 5]);
    expect(conv.bias?.shape).toEqual([5]);
    const noBias = new Conv2d({
      inChannels: 3,
      outChannels: 5,
      kernelSize: 1,
      bias: false,
      rng: Rng.fromSeed(1),
    });
    expect([...noBias.variables().keys()]).toEqual(['weight']);
  });

  it('pads symmetrically like PyTorch for stride 2 (tfjs "same" would not)', () => {
    const conv = new Conv2d({
      inChannels: 1,
      outChannels: 1,
      kernelSize: 3,
      stride: 2,
      padding: 1,
      bias: false,
      rng: Rng.fromSeed(1),
    });
    conv.weight.assign(tf.ones([3, 3, 1, 1]));
    // Ones on a 4×4 map: the top-left window covers the padded row/column → 4 ones, not 9.
    const y = conv.forward(tf.ones([1, 4, 4, 1]));
    expectValues(y, [4, 6, 6, 9], 1e-6, [1, 2, 2, 1]);
  });

  it('gives PyTorch output sizes ⌊(H + 2p − k)/s⌋ + 1 and adds the bias', () => {
    const conv = new Conv2d({
      inChannels: 2,
      outChannels: 3,
      kernelSize: 7,
      stride: 2,
      padding: 3,
      rng: Rng.fromSeed(2),
    });
    expect(conv.forward(tf.zeros([2, 9, 10, 2])).shape).toEqual([2, 5, 5, 3]);
    const bias = conv.bias!.dataSync();
    expectValues(
      conv.forward(tf.zeros([1, 3, 3, 2])),
      Array.from({ length: 2 * 2 * 3 }, (_, i) => bias[i % 3]!),
    );
  });

  it('initialises deterministically from the rng and with torchvision ResNet statistics', () => {
    const make = (): Conv2d =>
      new Conv2d({
        inChannels: 16,
        outChannels: 64,
        kernelSize: 3,
        init: 'kaimingNormalFanOut',
        rng: Rng.fromSeed(3),
      });
    const a = Array.from(make().weight.dataSync());
    expect(Array.from(make().weight.dataSync())).toEqual(a);
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 2);
  });

  it('rejects input with the wrong channel count', () => {
    const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 1, rng: Rng.fromSeed(1) });
    expect(() => conv.forward(tf.zeros([1, 2, 2, 4]))).toThrow(SsdetError);
    expect(
      () => new Conv2d({ inChannels: 0, outChannels: 4, kernelSize: 1, rng: Rng.fromSeed(1) }),
    ).toThrow(/inChannels/);
  });
});
