import { Rng, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResNet } from '../backbones/resnet.js';
import { createNorm2d } from './norm-2d.js';
import type { GroupNorm } from './group-norm.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('createNorm2d', () => {
  it('builds GroupNorm with 32 groups, or the largest divisor of the width below 32', () => {
    expect((createNorm2d('group', 256) as GroupNorm).groups).toBe(32);
    expect((createNorm2d('group', 24) as GroupNorm).groups).toBe(24);
    expect((createNorm2d('group', 40) as GroupNorm).groups).toBe(20);
  });

  it('gives a ResNet whose output does not depend on the batch (GroupNorm everywhere)', () => {
    const resnet = new ResNet({
      depth: 18,
      widthMultiplier: 0.25,
      rng: Rng.fromSeed(1),
      normLayer: 'group',
    });
    expect([...resnet.variables().keys()]).toContain('layer1.0.bn1.weight');
    expect([...resnet.variables().keys()].some((name) => name.includes('running_mean'))).toBe(
      false,
    );
    tf.tidy(() => {
      const images = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const together = resnet.forward(images, { training: true })['C5']!;
      const alone = resnet.forward(images.slice([0, 0, 0, 0], [1, -1, -1, -1]), { training: true })[
        'C5'
      ]!;
      expect(together.shape).toEqual([2, 1, 1, 128]);
      const difference = tf.max(
        tf.abs(tf.sub(together.slice([0, 0, 0, 0], [1, -1, -1, -1]), alone)),
      );
      expect(difference.dataSync()[0]).toBeLessThan(1e-5);
    });
  });
});
