import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { ConvFcBoxHead } from './conv-fc-box-head.js';

useCpuBackend();

describe('ConvFcBoxHead', () => {
  it('maps [R, 7, 7, C] RoI features to [R, 1024] with detectron2 names', () => {
    const head = new ConvFcBoxHead({
      inChannels: 8,
      roiSize: 7,
      convDim: 16,
      rng: Rng.fromSeed(1),
    });
    const names = [...head.variables().keys()];
    expect(names.filter((n) => !n.includes('.norm.'))).toEqual([
      'conv1.weight',
      'conv2.weight',
      'conv3.weight',
      'conv4.weight',
      'fc1.weight',
      'fc1.bias',
    ]);
    expect(names).toContain('conv4.norm.running_mean');
    expect(head.variables().get('fc1.weight')!.shape).toEqual([16 * 49, 1024]);
    const y = head.forward(tf.randomNormal<tf.Rank.R4>([3, 7, 7, 8], 0, 1, 'float32', 2), {
      training: true,
    });
    expect(y.shape).toEqual([3, 1024]);
    expect(y.min().dataSync()[0]).toBeGreaterThanOrEqual(0); // ends with ReLU
    expect(() => head.forward(tf.zeros([1, 5, 5, 8]), { training: false })).toThrow(SsdetError);
  });

  it('flattens in PyTorch (C, H, W) order', () => {
    const head = new ConvFcBoxHead({
      inChannels: 2,
      roiSize: 2,
      numConvs: 0,
      fcDim: 1,
      rng: Rng.fromSeed(1),
    });
    // fc row r picks flattened element r: with (C, H, W) order, row 1 is channel 0 at (0, 1).
    head
      .variables()
      .get('fc1.weight')!
      .assign(tf.tensor2d([0, 1, 0, 0, 0, 0, 0, 0], [8, 1]));
    // NHWC values: (h, w, c) → 100·c + 10·h + w
    const x = tf.tensor4d([0, 100, 1, 101, 10, 110, 11, 111], [1, 2, 2, 2]);
    expectValues(head.forward(x, { training: false }), [1]);
  });
});
