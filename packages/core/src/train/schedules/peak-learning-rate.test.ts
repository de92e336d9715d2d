import { describe, expect, it } from 'vitest';
import { peakLearningRate } from './peak-learning-rate.js';
import { scheduleConfigSchema } from './schedule-config.js';

describe('peakLearningRate', () => {
  it('is lr × batch / 256 when scaling (BYOL: 0.2 × 4096 / 256 = 3.2), lr otherwise', () => {
    const scaled = scheduleConfigSchema.parse({ type: 'cosine', scaleWithBatch: true });
    expect(peakLearningRate(scaled, 0.2, 4096)).toBeCloseTo(3.2, 12);
    expect(peakLearningRate({ ...scaled, referenceBatchSize: 512 }, 0.2, 4096)).toBeCloseTo(
      1.6,
      12,
    );
    const unscaled = scheduleConfigSchema.parse({ type: 'cosine' });
    expect(peakLearningRate(unscaled, 0.03, 4096)).toBe(0.03);
    expect(peakLearningRate(unscaled, 0.03)).toBe(0.03);
  });

  it('needs a batch size to scale, and a positive base lr', () => {
    const scaled = scheduleConfigSchema.parse({ type: 'cosine', scaleWithBatch: true });
    expect(() => peakLearningRate(scaled, 0.2)).toThrow(/needs the batch size/);
    expect(() => peakLearningRate(scaled, 0, 256)).toThrow(/base learning rate/);
  });
});
