import { describe, expect, it } from 'vitest';
import { learningRateAt } from './learning-rate-at.js';
import { scheduleConfigSchema, type ScheduleConfigInput } from './schedule-config.js';

const config = (raw: ScheduleConfigInput) => scheduleConfigSchema.parse(raw);

describe('learningRateAt', () => {
  // BYOL: base 0.2 × 4096/256 = 3.2, warm-up from 0 over 100 steps, cosine to 0 at step 1000.
  const byol = config({ type: 'cosine', warmupSteps: 100, scaleWithBatch: true });
  const byolAt = (step: number) => learningRateAt(step, 1000, 10, byol, 0.2, 4096);

  it('warms up linearly from 0 (BYOL)', () => {
    expect(byolAt(0)).toBe(0);
    expect(byolAt(50)).toBeCloseTo(1.6, 12);
    expect(byolAt(99)).toBeCloseTo(3.168, 12);
  });

  it('then follows 0.5·(1 + cos(π·t/T)) from the peak to minLr, per step', () => {
    expect(byolAt(100)).toBeCloseTo(3.2, 12); // end of warm-up = start of the cosine
    expect(byolAt(550)).toBeCloseTo(1.6, 12); // halfway through the cosine
    expect(byolAt(999)).toBeCloseTo(9.747747535371332e-6, 15); // last step
    expect(byolAt(1000)).toBeCloseTo(0, 15);
    expect(byolAt(5000)).toBeCloseTo(0, 15); // past the end: the final value
  });

  it('reproduces SoCo: warm-up by epochs from base/100, cosine to 1e-6', () => {
    // base 1.0 × 2048/256 = 8, 10 warm-up epochs of 5 steps, 100 epochs.
    const soco = config({
      type: 'cosine',
      warmupEpochs: 10,
      warmupStartFactor: 0.01,
      minLr: 1e-6,
      scaleWithBatch: true,
    });
    const at = (step: number) => learningRateAt(step, 500, 5, soco, 1.0, 2048);
    expect(at(0)).toBeCloseTo(0.08, 12);
    expect(at(25)).toBeCloseTo(8 * (0.01 + 0.99 * 0.5), 12);
    expect(at(50)).toBeCloseTo(8, 12);
    expect(at(275)).toBeCloseTo(1e-6 + (8 - 1e-6) * 0.5, 12);
    expect(at(499)).toBeCloseTo(9.847716623636536e-5, 15);
  });

  it('holds the value per epoch with granularity epoch (MoCo v2)', () => {
    const moco = config({ type: 'cosine', granularity: 'epoch' });
    const at = (step: number) => learningRateAt(step, 2000, 10, moco, 0.03);
    expect(at(0)).toBe(0.03);
    expect(at(9)).toBe(0.03);
    expect(at(10)).toBeCloseTo(0.029998149487224908, 15);
    expect(at(19)).toBe(at(10));
    expect(at(1000)).toBeCloseTo(0.015, 12);
  });

  it('multiplies by gamma at each milestone epoch (UP-DETR: ×0.1 at epoch 40 of 60)', () => {
    const upDetr = config({ type: 'step', milestones: [40] });
    const at = (step: number) => learningRateAt(step, 600, 10, upDetr, 1e-4);
    expect(at(0)).toBe(1e-4);
    expect(at(399)).toBe(1e-4); // last step of epoch 39
    expect(at(400)).toBeCloseTo(1e-5, 15); // first step of epoch 40
    expect(at(599)).toBeCloseTo(1e-5, 15);
    const soco = config({ type: 'step', milestones: [120, 160, 200], warmupEpochs: 5 });
    expect(learningRateAt(1700, 2000, 10, soco, 1)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(20, 2000, 10, soco, 1)).toBeCloseTo(0.4, 12); // still warming up
  });

  it('is constant after an optional warm-up', () => {
    const constant = config({ type: 'constant', warmupSteps: 4, warmupStartFactor: 0.25 });
    const at = (step: number) => learningRateAt(step, 10, 2, constant, 2);
    expect([at(0), at(2), at(4), at(9)]).toEqual([0.5, 1.25, 2, 2]);
  });

  it('keeps a warm-up longer than the run finite, and rejects bad step counts', () => {
    const long = config({ type: 'cosine', warmupSteps: 100 });
    expect(learningRateAt(5, 6, 1, long, 1)).toBeCloseTo(0.05, 12);
    expect(() => learningRateAt(-1, 10, 1, long, 1)).toThrow(/step must be an integer ≥ 0/);
    expect(() => learningRateAt(0, 0, 1, long, 1)).toThrow(/totalSteps/);
    expect(() => learningRateAt(0, 10, 0, long, 1)).toThrow(/stepsPerEpoch/);
  });
});
