import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ResNet } from '../backbones/resnet.js';
import { expectValues, useCpuBackend } from '../test-support/tensors.js';
import { Fpn } from './fpn.js';

useCpuBackend();

describe('Fpn', () => {
  it('maps C2…C5 of a ResNet to P2…P6 with 256 channels at the same strides', () => {
    const backbone = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(1) });
    const fpn = new Fpn({ inLevels: backbone.levels, topLevel: 'maxpool', rng: Rng.fromSeed(2) });
    expect(fpn.levels.map((l) => [l.name, l.channels, l.stride])).toEqual([
      ['P2', 256, 4],
      ['P3', 256, 8],
      ['P4', 256, 16],
      ['P5', 256, 32],
      ['P6', 256, 64],
    ]);
    const maps = fpn.forward(backbone.forward(tf.zeros([1, 64, 64, 3]), { training: false }), {
      training: false,
    });
    expect(Object.keys(maps)).toEqual(['P2', 'P3', 'P4', 'P5', 'P6']);
    expect(maps.P2!.shape).toEqual([1, 16, 16, 256]);
    expect(maps.P6!.shape).toEqual([1, 1, 1, 256]);
    expect([...fpn.variables().keys()]).toEqual([
      'fpn_lateral2.weight',
      'fpn_lateral2.bias',
      'fpn_lateral3.weight',
      'fpn_lateral3.bias',
      'fpn_lateral4.weight',
      'fpn_lateral4.bias',
      'fpn_lateral5.weight',
      'fpn_lateral5.bias',
      'fpn_output2.weight',
      'fpn_output2.bias',
      'fpn_output3.weight',
      'fpn_output3.bias',
      'fpn_output4.weight',
      'fpn_output4.bias',
      'fpn_output5.weight',
      'fpn_output5.bias',
    ]);
    expect(fpn.variables().get('fpn_output3.weight')!.shape).toEqual([3, 3, 256, 256]);
  });

  it('adds the nearest-upsampled coarser map to the lateral and subsamples P6 from P5', () => {
    const levels = [
      { name: 'C2', channels: 1, stride: 4 },
      { name: 'C3', channels: 1, stride: 8 },
    ];
    const fpn = new Fpn({
      inLevels: levels,
      outChannels: 1,
      topLevel: 'maxpool',
      rng: Rng.fromSeed(3),
    });
    const variables = fpn.variables();
    // Identity laterals and outputs: P3 = C3, P2 = C2 + up(C3), P4 = P3[::2, ::2].
    for (const k of [2, 3]) {
      variables.get(`fpn_lateral${k}.weight`)!.assign(tf.ones([1, 1, 1, 1]));
      variables
        .get(`fpn_output${k}.weight`)!
        .assign(tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]));
      expectValues(variables.get(`fpn_output${k}.bias`)!, [0]); // detectron2 initialises biases to 0
    }
    const c3 = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const c2 = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => 10 * i),
      [1, 4, 4, 1],
    );
    const maps = fpn.forward({ C2: c2, C3: c3 }, { training: false });
    expectValues(maps.P3!, [1, 2, 3, 4]);
    const up = [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4];
    expectValues(
      maps.P2!,
      up.map((u, i) => u + 10 * i),
      1e-5,
      [1, 4, 4, 1],
    );
    expectValues(maps.P4!, [1], 1e-6, [1, 1, 1, 1]);
  });

  it('puts BatchNorm after every conv and drops their biases with norm "batch"', () => {
    const fpn = new Fpn({
      inLevels: [{ name: 'C4', channels: 8, stride: 16 }],
      outChannels: 4,
      norm: 'batch',
      rng: Rng.fromSeed(4),
    });
    expect([...fpn.variables().keys()]).toEqual([
      'fpn_lateral4.weight',
      'fpn_lateral4.norm.weight',
      'fpn_lateral4.norm.bias',
      'fpn_lateral4.norm.running_mean',
      'fpn_lateral4.norm.running_var',
      'fpn_lateral4.norm.num_batches_tracked',
      'fpn_output4.weight',
      'fpn_output4.norm.weight',
      'fpn_output4.norm.bias',
      'fpn_output4.norm.running_mean',
      'fpn_output4.norm.running_var',
      'fpn_output4.norm.num_batches_tracked',
    ]);
    const x = tf.randomNormal<tf.Rank.R4>([2, 3, 3, 8], 0, 1, 'float32', 5);
    const p4 = fpn.forward({ C4: x }, { training: true }).P4!;
    // Training-mode BN output: per-channel mean 0 over the batch.
    expectValues(tf.mean(p4, [0, 1, 2]), [0, 0, 0, 0], 1e-4);
  });

  it('draws lateral and output convolutions U(±√(3/fan_in)) by default, N(0, 2/fan_out) with init "kaimingNormalFanOut" (SoCo)', () => {
    const inLevels = [
      { name: 'C4', channels: 256, stride: 16 },
      { name: 'C5', channels: 512, stride: 32 },
    ];
    const byDefault = new Fpn({ inLevels, outChannels: 64, norm: 'batch', rng: Rng.fromSeed(6) });
    const soco = new Fpn({
      inLevels,
      outChannels: 64,
      norm: 'batch',
      init: 'kaimingNormalFanOut',
      rng: Rng.fromSeed(6),
    });
    for (const name of [
      'fpn_lateral4.weight',
      'fpn_lateral5.weight',
      'fpn_output4.weight',
      'fpn_output5.weight',
    ]) {
      const uniform = byDefault.variables().get(name)!;
      const normal = soco.variables().get(name)!;
      const [kh, kw, inChannels, outChannels] = uniform.shape as number[];
      const bound = Math.sqrt(3 / (kh! * kw! * inChannels!));
      const std = Math.sqrt(2 / (kh! * kw! * outChannels!));
      const n = uniform.size;
      const uniformValues = Array.from(uniform.dataSync());
      const normalValues = Array.from(normal.dataSync());
      const rms = (values: number[]): number =>
        Math.sqrt(values.reduce((a, b) => a + b * b, 0) / values.length);
      expect(Math.max(...uniformValues.map(Math.abs)), name).toBeLessThanOrEqual(bound);
      expect(Math.abs(rms(uniformValues) - bound / Math.sqrt(3)), name).toBeLessThan(
        (6 * 0.45 * bound) / Math.sqrt(3 * n),
      );
      expect(Math.abs(rms(normalValues) - std), name).toBeLessThan((6 * 0.71 * std) / Math.sqrt(n));
      expect(Math.max(...normalValues.map(Math.abs)), name).toBeGreaterThan(3 * std);
    }
    // BatchNorm after every convolution starts at γ = 1, β = 0 either way.
    expect(Array.from(soco.variables().get('fpn_output5.norm.weight')!.dataSync())).toEqual(
      new Array(64).fill(1),
    );
  });

  it('rejects a missing or mis-sized level', () => {
    const fpn = new Fpn({
      inLevels: [{ name: 'C5', channels: 8, stride: 32 }],
      outChannels: 4,
      rng: Rng.fromSeed(4),
    });
    expect(() => fpn.forward({ C4: tf.zeros([1, 2, 2, 8]) }, { training: false })).toThrow(
      SsdetError,
    );
    expect(() => fpn.forward({ C5: tf.zeros([1, 2, 2, 7]) }, { training: false })).toThrow(
      /"C5" with 8 channels/,
    );
    expect(
      () => new Fpn({ inLevels: [{ name: 'P5', channels: 8, stride: 32 }], rng: Rng.fromSeed(1) }),
    ).toThrow(/C<k>/);
  });
});
