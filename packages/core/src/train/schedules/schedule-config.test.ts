import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/parse-config.js';
import { scheduleConfigSchema } from './schedule-config.js';

const parse = (raw: unknown) => parseConfig(scheduleConfigSchema, raw, 'test');

describe('scheduleConfigSchema', () => {
  it('defaults to no warm-up, no batch scaling, per-step updates', () => {
    expect(parse({ type: 'cosine' })).toEqual({
      type: 'cosine',
      warmupEpochs: 0,
      warmupSteps: 0,
      warmupStartFactor: 0,
      scaleWithBatch: false,
      referenceBatchSize: 256,
      granularity: 'step',
      minLr: 0,
    });
    expect(parse({ type: 'step', milestones: [40] })).toMatchObject({
      milestones: [40],
      gamma: 0.1,
    });
    expect(parse({ type: 'constant' }).type).toBe('constant');
  });

  it('rejects what cannot be meant, naming the key', () => {
    expect(() => parse({ type: 'step' })).toThrow(/milestones/);
    expect(() => parse({ type: 'cosine', warmupEpochs: 1, warmupSteps: 10 })).toThrow(
      /warmupSteps.*not both/,
    );
    expect(() => parse({ type: 'cosine', warmupStartFactor: 2 })).toThrow(/warmupStartFactor/);
    expect(() => parse({ type: 'cosine', lr: 0.1 })).toThrow(/lr/);
    expect(() => parse({ type: 'linear' })).toThrow(/type/);
  });
});
