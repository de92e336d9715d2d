import { Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test-support/tensors.js';
import { initWeight } from './initializers.js';

useCpuBackend();

function sampleStats(tensor: tf.Tensor): { mean: number; std: number; maxAbs: number } {
  const values = Array.from(tensor.dataSync());
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, maxAbs: Math.max(...values.map(Math.abs)) };
}

describe('initWeight', () => {
  const shape = [3, 3, 64, 32];
  const fans = { fanIn: 3 * 3 * 64, fanOut: 3 * 3 * 32 };
  const n = 3 * 3 * 64 * 32;

  it('kaimingNormalFanIn draws N(0, 2/fan_in) (mmcv kaiming_init(mode="fan_in"))', () => {
    const weight = initWeight(shape, fans, 'kaimingNormalFanIn', Rng.fromSeed(1));
    const { mean, std, maxAbs } = sampleStats(weight);
    const expected = Math.sqrt(2 / fans.fanIn);
    expect(Math.abs(std - expected)).toBeLessThan((6 * 0.71 * expected) / Math.sqrt(n));
    expect(Math.abs(mean)).toBeLessThan((6 * expected) / Math.sqrt(n));
    // A normal sample of 18 432 reaches beyond 3σ; a uniform one of the same σ stops at √3·σ.
    expect(maxAbs).toBeGreaterThan(3 * expected);
    weight.dispose();
  });

  it('kaimingNormalFanIn and kaimingNormalFanOut differ only in scale, √(fan_out/fan_in)', () => {
    const fanIn = initWeight(shape, fans, 'kaimingNormalFanIn', Rng.fromSeed(2));
    const fanOut = initWeight(shape, fans, 'kaimingNormalFanOut', Rng.fromSeed(2));
    const difference = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(tf.mul(fanOut, Math.sqrt(fans.fanOut / fans.fanIn)), fanIn)))
          .dataSync()[0]!,
    );
    expect(difference).toBeLessThan(1e-6);
    // fan_in 576 > fan_out 288 here: the fan-in draw is the narrower one.
    expect(sampleStats(fanIn).std).toBeLessThan(sampleStats(fanOut).std);
    tf.dispose([fanIn, fanOut]);
  });
});
