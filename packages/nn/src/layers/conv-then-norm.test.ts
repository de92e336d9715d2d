import {
  CNN_TRAINING_KERNELS,
  Rng,
  selectBackend,
  withoutGradients,
  type NamedVariables,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResNet } from '../backbones/resnet.js';
import { Conv2d } from './conv2d.js';
import { convThenNorm } from './conv-then-norm.js';
import { FrozenBatchNorm2d } from './frozen-batch-norm-2d.js';

/** Running statistics and affine parameters far from identity, so folding them matters. */
function randomiseNorms(variables: NamedVariables, seed: number): void {
  let k = seed;
  for (const [name, variable] of variables) {
    if (!/(bn\d|downsample\.1)\./.test(name)) continue;
    const value = tf.tidy(() => {
      const u = tf.randomUniform(variable.shape, 0.5, 1.5, 'float32', k++);
      return name.endsWith('running_mean') || name.endsWith('.bias') ? tf.sub(u, 1) : u;
    });
    variable.assign(value);
    value.dispose();
  }
}

let backend = 'cpu';

beforeAll(async () => {
  backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
});

describe('convThenNorm', () => {
  it('folds a frozen BatchNorm into the convolution when no gradient is recorded', async () => {
    const conv = new Conv2d({
      inChannels: 5,
      outChannels: 7,
      kernelSize: 3,
      stride: 2,
      padding: 1,
      bias: false,
      rng: Rng.fromSeed(1),
    });
    const norm = new FrozenBatchNorm2d({ numFeatures: 7 });
    randomiseNorms(new Map([...norm.variables()].map(([name, v]) => [`bn1.${name}`, v])), 3);
    const x = tf.randomNormal([2, 9, 11, 5], 0, 1, 'float32', 4) as tf.Tensor4D;
    const unfolded = tf.tidy(() => tf.relu(norm.forward(conv.forward(x))));
    let folded: tf.Tensor4D | undefined;
    const profile = await tf.profile(() => {
      folded = withoutGradients(() => convThenNorm(conv, norm, x, { training: false }, 'relu'));
    });
    const expected = unfolded.dataSync();
    const actual = folded!.dataSync();
    expect(folded!.shape).toEqual(unfolded.shape);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 4);
    if (backend === 'native') {
      // One fused kernel: no separate multiply, add or ReLU over the output.
      const names = profile.kernels.map((k) => k.name);
      expect(names).toContain('FusedConv2D');
      expect(names).not.toContain('Relu');
    }
    tf.dispose([x, unfolded, folded!, ...conv.variables().values(), ...norm.variables().values()]);
  });
});

describe('a ResNet with frozen stages', () => {
  it('gives the features of the same network run with gradients recorded', () => {
    const make = (frozenStages: number): ResNet => {
      const net = new ResNet({
        depth: 18,
        normLayer: 'frozen',
        widthMultiplier: 0.125,
        frozenStages,
        rng: Rng.fromSeed(5),
      });
      randomiseNorms(net.variables(), 6);
      return net;
    };
    const frozen = make(4);
    const trainable = make(-1);
    const images = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const probe = tf.variable(tf.ones([1]));
    const run = (net: ResNet): Float32Array => {
      let c5: Float32Array = new Float32Array();
      const { value, grads } = tf.variableGrads(() => {
        const maps = net.forward(images, { training: true });
        c5 = maps['C5']!.dataSync() as Float32Array;
        return tf.sum(tf.mul(maps['C5']!, probe));
      }, [probe]);
      tf.dispose([value, grads]);
      return c5;
    };
    const expected = run(trainable);
    const actual = run(frozen);
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 3);
    expect([...frozen.trainableVariables()]).toEqual([]);
    tf.dispose([images, probe, ...frozen.variables().values(), ...trainable.variables().values()]);
  });
});
