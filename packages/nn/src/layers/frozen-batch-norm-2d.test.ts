import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '@ssdet/core';
import { expectValues, namesWithGradient, useCpuBackend } from '../test-support/tensors.js';
import { Conv2d } from './conv2d.js';
import { FrozenBatchNorm2d } from './frozen-batch-norm-2d.js';

useCpuBackend();

describe('FrozenBatchNorm2d', () => {
  it('applies the fixed affine map from its statistics in training and evaluation alike', () => {
    const bn = new FrozenBatchNorm2d({ numFeatures: 2, eps: 0 });
    bn.weight.assign(tf.tensor1d([2, 1]));
    bn.bias.assign(tf.tensor1d([1, 0]));
    bn.runningMean.assign(tf.tensor1d([1, -1]));
    bn.runningVar.assign(tf.tensor1d([4, 1]));
    const x = tf.tensor4d([3, 0, 5, 1], [1, 1, 2, 2]);
    // channel 0: (x − 1)·2/2 + 1; channel 1: (x + 1)·1/1 + 0.
    expectValues(bn.forward(x, { training: true }), [3, 1, 5, 2]);
    expectValues(bn.forward(x, { training: false }), [3, 1, 5, 2]);
    expectValues(bn.runningMean, [1, -1]);
  });

  it('owns only buffers: no gradient for them, while the layer before still gets one', () => {
    const conv = new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 1, rng: Rng.fromSeed(4) });
    const bn = new FrozenBatchNorm2d({ numFeatures: 2 });
    expect([...bn.variables().keys()]).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
    expect([...bn.variables().values()].every((v) => !v.trainable)).toBe(true);
    const x = tf.ones<tf.Rank.R4>([1, 2, 2, 1]);
    const all = [...conv.variables().values(), ...bn.variables().values()];
    const { grads } = tf.variableGrads(() => tf.sum(bn.forward(conv.forward(x))) as tf.Scalar, all);
    expect(namesWithGradient(grads)).toEqual([conv.weight.name, conv.bias!.name].sort());
  });
});
