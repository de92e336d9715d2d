import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { namesWithGradient, useCpuBackend } from '../test-support/tensors.js';
import { ResNet } from './resnet.js';

useCpuBackend();

const tiny = (
  depth: 18 | 34 | 50,
  extra: Partial<ConstructorParameters<typeof ResNet>[0]> = {},
): ResNet => new ResNet({ depth, widthMultiplier: 0.125, rng: Rng.fromSeed(7), ...extra });

describe('ResNet', () => {
  it('returns C2…C5 at strides 4…32 with the declared channels', () => {
    const net = tiny(18);
    expect(net.name).toBe('resnet18');
    expect(net.levels).toEqual([
      { name: 'C2', channels: 8, stride: 4 },
      { name: 'C3', channels: 16, stride: 8 },
      { name: 'C4', channels: 32, stride: 16 },
      { name: 'C5', channels: 64, stride: 32 },
    ]);
    const maps = net.forward(tf.zeros([2, 64, 64, 3]), { training: false });
    expect(Object.keys(maps)).toEqual(['C2', 'C3', 'C4', 'C5']);
    expect(maps.C2!.shape).toEqual([2, 16, 16, 8]);
    expect(maps.C5!.shape).toEqual([2, 2, 2, 64]);
    expect(tiny(50).levels.map((level) => level.channels)).toEqual([32, 64, 128, 256]);
  });

  it('keeps no tensors but its variables after construction', () => {
    const before = tf.memory().numTensors;
    const net = tiny(50, { normLayer: 'frozen' });
    expect(tf.memory().numTensors - before).toBe(net.variables().size);
  });

  it('uses torchvision state_dict names (basic block, no fc)', () => {
    const names = [...tiny(18).variables().keys()];
    expect(names).toHaveLength(120); // torchvision resnet18: 122 entries minus fc.weight, fc.bias
    expect(names.slice(0, 7)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'layer1.0.conv1.weight',
    ]);
    expect(names).toContain('layer2.0.downsample.0.weight');
    expect(names).toContain('layer4.1.bn2.running_var');
    expect(names).not.toContain('layer1.0.downsample.0.weight');
    expect(names.some((name) => name.startsWith('fc'))).toBe(false);
  });

  it('puts the bottleneck stride on the 3×3 conv2 and a downsample on layer1.0 (ResNet-50)', () => {
    const variables = tiny(50).variables();
    expect(variables.size).toBe(318); // torchvision resnet50: 320 entries minus fc
    expect(variables.get('layer1.0.downsample.0.weight')!.shape).toEqual([1, 1, 8, 32]);
    expect(variables.get('layer2.0.conv1.weight')!.shape).toEqual([1, 1, 32, 16]);
    expect(variables.get('layer2.0.conv2.weight')!.shape).toEqual([3, 3, 16, 16]);
    expect(variables.get('layer4.2.bn3.running_mean')!.shape).toEqual([256]);
    expect(tiny(34).variables().has('layer3.5.conv2.weight')).toBe(true);
    // stride 2 in conv2: an odd-sized map halves with ⌈·⌉ like torchvision (33 → 17 → 9 → 5 → 3 → 2)
    const maps = tiny(50).forward(tf.zeros([1, 33, 33, 3]), { training: false });
    expect(maps.C3!.shape).toEqual([1, 5, 5, 64]);
  });

  it('updates BatchNorm statistics in training mode only', () => {
    const net = tiny(18);
    const runningMean = net.variables().get('layer3.1.bn2.running_mean')!;
    const images = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 1);
    net.forward(images, { training: false });
    expect(Array.from(runningMean.dataSync()).every((v) => v === 0)).toBe(true);
    net.forward(images, { training: true });
    expect(Array.from(runningMean.dataSync()).some((v) => v !== 0)).toBe(true);
  });

  it('freezes the stem and layer1…k: trainable=false, no gradient, no BN update', () => {
    const net = tiny(18, { frozenStages: 2 });
    const variables = net.variables();
    const trainableNames = [...net.trainableVariables().keys()];
    expect(trainableNames.some((name) => /^(conv1|bn1|layer1|layer2)\./.test(name))).toBe(false);
    expect(trainableNames).toContain('layer3.0.conv1.weight');
    const images = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 2);
    const { grads } = tf.variableGrads(
      () => tf.sum(net.forward(images, { training: true }).C5!) as tf.Scalar,
      [...variables.values()],
    );
    const expected = [...net.trainableVariables().values()].map((v) => v.name).sort();
    expect(namesWithGradient(grads)).toEqual(expected);
    expect(
      Array.from(variables.get('layer2.1.bn2.running_mean')!.dataSync()).every((v) => v === 0),
    ).toBe(true);
    expect(
      Array.from(variables.get('layer3.1.bn2.running_mean')!.dataSync()).some((v) => v !== 0),
    ).toBe(true);
  });

  it('builds FrozenBatchNorm2d everywhere with normLayer "frozen"', () => {
    const net = tiny(18, { normLayer: 'frozen' });
    const variables = net.variables();
    expect(variables.has('bn1.num_batches_tracked')).toBe(false);
    expect(variables.get('layer1.0.bn1.weight')!.trainable).toBe(false);
    expect(variables.get('layer1.0.conv1.weight')!.trainable).toBe(true);
  });

  it('rejects bad options and inputs with SsdetError', () => {
    expect(() => tiny(18, { frozenStages: 5 })).toThrow(SsdetError);
    expect(() => new ResNet({ depth: 101 as 50, rng: Rng.fromSeed(1) })).toThrow(/depth/);
    expect(() => tiny(18).forward(tf.zeros([1, 32, 32, 1]), { training: false })).toThrow(
      /\[B, H, W, 3\]/,
    );
  });

  it('does not leak tensors across 20 hand-written SGD steps', () => {
    const net = tiny(18);
    const images = tf.randomNormal<tf.Rank.R4>([2, 16, 16, 3], 0, 1, 'float32', 3);
    const trainable = [...net.trainableVariables().values()];
    const step = (): number => {
      const { value, grads } = tf.variableGrads(() => {
        const maps = net.forward(images, { training: true });
        return tf.mean(maps.C5!) as tf.Scalar;
      }, trainable);
      tf.tidy(() => {
        for (const variable of trainable)
          variable.assign(tf.sub(variable, tf.mul(grads[variable.name]!, 0.01)));
      });
      const loss = value.dataSync()[0]!;
      tf.dispose([value, grads]);
      return loss;
    };
    const firstLoss = step();
    const before = tf.memory().numTensors;
    let lastLoss = firstLoss;
    for (let i = 1; i < 20; i++) lastLoss = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(lastLoss).toBeLessThan(firstLoss);
  });
});
