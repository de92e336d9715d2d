import { z } from 'zod';
import { optimizerConfigSchema } from '../train/optim/optimizer-config.js';
import { scheduleConfigSchema } from '../train/schedules/schedule-config.js';

/**
 * The `train` section every method's configuration has: how long, how big, how to optimise,
 * how often to log and checkpoint. Plugins give it their paper's defaults with
 * {@link trainingConfigWithDefaults}.
 */
export const trainingConfigSchema = z
  .object({
    /** Images per optimizer step (per process), before accumulation. */
    batchSize: z.number().int().positive().default(256),
    epochs: z.number().int().positive().default(200),
    /** Stop after this many optimizer steps instead of `epochs` (schedules use this length). */
    maxSteps: z.number().int().positive().optional(),
    /** Micro-batches per optimizer step. */
    accumulate: z.number().int().positive().default(1),
    /** Global gradient-norm clipping (PyTorch clip_grad_norm_); off when absent. */
    clipGradNorm: z.number().positive().optional(),
    optimizer: optimizerConfigSchema.prefault({
      type: 'sgd',
      lr: 0.03,
      momentum: 0.9,
      weightDecay: 1e-4,
    }),
    schedule: scheduleConfigSchema.prefault({ type: 'cosine' }),
    seed: z.number().int().default(0),
    /**
     * Data-parallel runs: BatchNorm statistics over the global batch (SyncBN, `--sync-bn`) in
     * the methods that support it (their README says). One process is unaffected.
     */
    syncBn: z.boolean().default(false),
    checkpointEvery: z.number().int().positive().default(1000),
    keepCheckpoints: z.number().int().positive().default(3),
    logEvery: z.number().int().positive().default(10),
    data: z
      .object({
        onBadImage: z.enum(['error', 'skip']).default('error'),
        /** Worker threads decoding and augmenting; 0 = the training thread. */
        workers: z.number().int().min(0).default(2),
        /** Samples in flight. */
        concurrency: z.number().int().positive().default(16),
        maxPixels: z
          .number()
          .int()
          .positive()
          .default(8192 * 8192),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;

/** The `train` schema with a paper's recipe as defaults. */
export function trainingConfigWithDefaults(defaults: TrainingConfigInput) {
  return trainingConfigSchema.default(trainingConfigSchema.parse(defaults));
}
