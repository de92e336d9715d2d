import { Rng, SsdetError, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BatchNorm2d } from '../layers/batch-norm-2d.js';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { MlpHead } from '../heads/mlp-head.js';
import { MomentumPairs } from './momentum-pairs.js';
import { constantMomentum, cosineMomentum } from './momentum-schedule.js';
import { copyVariables, momentumUpdate } from './momentum-update.js';

useCpuBackend();

function network(weight: number, mean: number): NamedVariables {
  return new Map<string, tf.Variable>([
    ['bn.weight', tf.variable(tf.tensor1d([weight, weight]))],
    ['bn.running_mean', tf.variable(tf.tensor1d([mean, mean]), false)],
    ['bn.num_batches_tracked', tf.variable(tf.scalar(Math.round(mean), 'int32'), false)],
  ]);
}

describe('momentumUpdate', () => {
  it('sets θ_t ← m·θ_t + (1 − m)·θ_o for parameters and keeps the target’s buffers by default', () => {
    const online = network(1, 5);
    const target = network(0, 3);
    momentumUpdate(online, target, 0.9);
    expectValues(target.get('bn.weight')!, [0.1, 0.1]);
    expectValues(target.get('bn.running_mean')!, [3, 3]);
    momentumUpdate(online, target, 0.9);
    expectValues(target.get('bn.weight')!, [0.19, 0.19]);
    expectValues(online.get('bn.weight')!, [1, 1]);
  });

  it('averages or copies buffers on request, copying integer buffers', () => {
    const online = network(1, 5);
    const ema = network(0, 3);
    momentumUpdate(online, ema, 0.5, { buffers: 'ema' });
    expectValues(ema.get('bn.running_mean')!, [4, 4]);
    expect(ema.get('bn.num_batches_tracked')!.dataSync()[0]).toBe(5);
    const copied = network(0, 3);
    momentumUpdate(online, copied, 0.5, { buffers: 'copy' });
    expectValues(copied.get('bn.running_mean')!, [5, 5]);
    expectValues(copied.get('bn.weight')!, [0.5, 0.5]);
  });

  it('refuses mismatched names, shapes or momentum', () => {
    const online = network(1, 5);
    const other = new Map(network(0, 0));
    other.delete('bn.weight');
    other.set('bn.gamma', tf.variable(tf.zeros([2])));
    expect(() => momentumUpdate(online, other, 0.9)).toThrow(
      /target lacks \[bn\.weight\] and has extra \[bn\.gamma\]/,
    );
    const wrongShape = network(0, 0) as Map<string, tf.Variable>;
    wrongShape.set('bn.weight', tf.variable(tf.zeros([3])));
    expect(() => momentumUpdate(online, wrongShape, 0.9)).toThrow(SsdetError);
    expect(() => momentumUpdate(online, network(0, 0), 1.5)).toThrow(/\[0, 1\]/);
  });

  it('copyVariables copies parameters and buffers exactly', () => {
    const online = network(2, 7);
    const target = network(0, 0);
    copyVariables(online, target);
    expectValues(target.get('bn.weight')!, [2, 2]);
    expectValues(target.get('bn.running_mean')!, [7, 7]);
  });
});

describe('momentum schedules', () => {
  it('constant stays put; cosine rises from m0 to 1 as 1 − (1 − m0)(cos(πk/K) + 1)/2', () => {
    expect(constantMomentum(0.999)(12345, 100)).toBe(0.999);
    const schedule = cosineMomentum(0.996);
    expect(schedule(0, 100)).toBeCloseTo(0.996, 12);
    expect(schedule(50, 100)).toBeCloseTo(0.998, 12);
    expect(schedule(25, 100)).toBeCloseTo(1 - (0.004 * (Math.cos(Math.PI / 4) + 1)) / 2, 12);
    expect(schedule(100, 100)).toBe(1);
    expect(schedule(150, 100)).toBe(1);
    expect(cosineMomentum(0.99)(999, 1000)).toBeCloseTo(0.9999999753260093, 15);
    expect(() => cosineMomentum(0.99)(0, 0)).toThrow(SsdetError);
    expect(() => cosineMomentum(1.5)).toThrow(/\[0, 1\]/);
  });

  it('a step offset of 1 gives the momentum of the next iteration (SoCo, BYOL official code)', () => {
    const next = cosineMomentum(0.99, { stepOffset: 1 });
    expect(next(4, 10)).toBe(cosineMomentum(0.99)(5, 10));
    expect(next(9, 10)).toBe(1);
    expect(next(10, 10)).toBe(1);
  });
});

describe('MomentumPairs', () => {
  it('initialises the target from the online network, freezes it and follows the schedule', () => {
    const online = new MlpHead({ inDim: 3, hiddenDim: 4, outDim: 2, rng: Rng.fromSeed(1) });
    const target = new MlpHead({ inDim: 3, hiddenDim: 4, outDim: 2, rng: Rng.fromSeed(2) });
    const encoder = new MomentumPairs({
      pairs: [[online, target]],
      schedule: cosineMomentum(0.5),
      buffers: 'keep',
    });
    const o = online.variables().get('0.weight')!;
    const t = target.variables().get('0.weight')!;
    expect(Array.from(t.dataSync())).toEqual(Array.from(o.dataSync()));
    expect([...encoder.targetVariables().values()].every((v) => !v.trainable)).toBe(true);
    expect(encoder.targetVariables().size).toBe(target.variables().size);
    expect(o.trainable).toBe(true);

    const before = Array.from(t.dataSync());
    o.assign(tf.add(o, 1));
    expect(encoder.update({ step: 0, totalSteps: 2 })).toBe(0.5);
    expectValues(
      t,
      before.map((v) => v + 0.5),
      1e-6,
    );
    expect(encoder.momentumAt({ step: 2, totalSteps: 2 })).toBe(1);
    expect(encoder.update({ step: 2, totalSteps: 2 })).toBe(1);
    expectValues(
      t,
      before.map((v) => v + 0.5),
      1e-6,
    );
  });

  it('leaves BatchNorm running statistics to the target’s own forward passes', () => {
    const online = new BatchNorm2d({ numFeatures: 1 });
    const target = new BatchNorm2d({ numFeatures: 1 });
    const encoder = new MomentumPairs({
      pairs: [[online, target]],
      schedule: constantMomentum(0.9),
      buffers: 'keep',
    });
    online.forward(tf.tensor4d([10, 20], [2, 1, 1, 1]), { training: true });
    encoder.update({ step: 0, totalSteps: 10 });
    expectValues(target.runningMean, [0]);
    target.forward(tf.tensor4d([0, 2], [2, 1, 1, 1]), { training: true });
    expectValues(target.runningMean, [0.1]);
  });

  it('updates every declared pair with one momentum, buffers by the declared policy', () => {
    const pairs = [0, 1].map((i) => {
      const online = new BatchNorm2d({ numFeatures: 1 });
      const target = new BatchNorm2d({ numFeatures: 1 });
      online.runningMean.assign(tf.tensor1d([i + 1]));
      return [online, target] as const;
    });
    const encoder = new MomentumPairs({ pairs, schedule: constantMomentum(0.5), buffers: 'ema' });
    pairs.forEach(([online]) => online.runningMean.assign(tf.add(online.runningMean, 2)));
    encoder.update({ step: 0, totalSteps: 1 });
    expectValues(pairs[0]![1].runningMean, [2]);
    expectValues(pairs[1]![1].runningMean, [3]);
  });
});
