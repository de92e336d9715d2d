import { z } from 'zod';

const warmupAndScaling = {
  /** Linear warm-up length in epochs (converted with the run's steps per epoch, rounded). */
  warmupEpochs: z.number().min(0).default(0),
  /** Linear warm-up length in optimizer steps; use either this or `warmupEpochs`. */
  warmupSteps: z.number().int().min(0).default(0),
  /**
   * The warm-up starts at this fraction of the peak learning rate: 0 in BYOL, 1/100 in SoCo
   * (its `warmup_multiplier` 100).
   */
  warmupStartFactor: z.number().min(0).max(1).default(0),
  /** Peak lr = `lr` × batch / `referenceBatchSize` (Goyal et al. 2017; BYOL, SoCo). */
  scaleWithBatch: z.boolean().default(false),
  referenceBatchSize: z.number().int().positive().default(256),
  /**
   * `step`: the learning rate changes every optimizer step (BYOL, SoCo). `epoch`: it is held for
   * each epoch at its value at the epoch's first step (MoCo v2, DenseCL adjust per epoch).
   */
  granularity: z.enum(['step', 'epoch']).default('step'),
};

const oneWarmupLength = {
  check: (config: { warmupEpochs: number; warmupSteps: number }) =>
    config.warmupEpochs === 0 || config.warmupSteps === 0,
  params: { message: 'set warmupEpochs or warmupSteps, not both', path: ['warmupSteps'] },
};

/**
 * The `schedule` section of a run's configuration: the learning rate of every optimizer step
 * relative to the optimizer's base `lr`. Every type starts with an optional linear warm-up.
 */
export const scheduleConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('cosine'),
      ...warmupAndScaling,
      /** The learning rate the cosine ends at (absolute, not scaled): 0 in BYOL, 1e-6 in SoCo. */
      minLr: z.number().min(0).default(0),
    })
    .strict()
    .refine(oneWarmupLength.check, oneWarmupLength.params),
  z
    .object({
      type: z.literal('step'),
      ...warmupAndScaling,
      /** Epochs at which the learning rate is multiplied by `gamma` (UP-DETR: [40] of 60). */
      milestones: z.array(z.number().min(0)).min(1),
      gamma: z.number().positive().default(0.1),
    })
    .strict()
    .refine(oneWarmupLength.check, oneWarmupLength.params),
  z
    .object({ type: z.literal('constant'), ...warmupAndScaling })
    .strict()
    .refine(oneWarmupLength.check, oneWarmupLength.params),
]);

export type ScheduleConfig = z.output<typeof scheduleConfigSchema>;
export type ScheduleConfigInput = z.input<typeof scheduleConfigSchema>;
