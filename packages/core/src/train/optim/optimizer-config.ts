import { z } from 'zod';

const nonNegative = z.number().min(0);
const coefficient = z.number().min(0).max(1);
/**
 * The base learning rate: what the schedule scales (by batch/256 when asked), warms up to and
 * decays from. The optimizer itself receives the scheduled value at every step.
 */
const baseLr = z.number().positive();

const sgdShape = {
  momentum: coefficient.default(0),
  dampening: coefficient.default(0),
  nesterov: z.boolean().default(false),
  /** L2 penalty added to the gradient (coupled), as PyTorch's `weight_decay`. */
  weightDecay: nonNegative.default(0),
};
const nesterovNeedsMomentum = {
  check: (options: { nesterov: boolean; momentum: number; dampening: number }) =>
    !options.nesterov || (options.momentum > 0 && options.dampening === 0),
  params: {
    message: 'nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)',
    path: ['nesterov'],
  },
};

const larsShape = {
  momentum: coefficient.default(0.9),
  /** Added to the gradient of adapted variables before the trust ratio is computed. */
  weightDecay: nonNegative.default(1e-5),
  /** η in η·‖w‖ / (‖g‖ + eps). */
  trustCoefficient: z.number().positive().default(0.001),
  eps: nonNegative.default(1e-8),
};

const adamwShape = {
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  /** Added to √v̂, outside the square root, as in PyTorch. */
  eps: z.number().positive().default(1e-8),
  /** Decoupled: w ← w − lr·weightDecay·w before the Adam step. */
  weightDecay: nonNegative.default(0.01),
  amsgrad: z.literal(false).default(false),
};

/** {@link SgdOptimizer}'s hyper-parameters: `torch.optim.SGD`'s defaults (plain SGD). */
export const sgdOptionsSchema = z
  .object(sgdShape)
  .strict()
  .refine(nesterovNeedsMomentum.check, nesterovNeedsMomentum.params);

/**
 * {@link LarsOptimizer}'s hyper-parameters: SoCo's LARS (hologerry/SoCo `contrast/lars.py`
 * around `torch.optim.SGD`) with the values of SoCo's released runs — momentum 0.9, weight
 * decay 1e-5, trust coefficient 0.001, eps 1e-8.
 */
export const larsOptionsSchema = z.object(larsShape).strict();

/** {@link AdamWOptimizer}'s hyper-parameters: `torch.optim.AdamW`'s defaults; no amsgrad. */
export const adamwOptionsSchema = z.object(adamwShape).strict();

export const sgdConfigSchema = z
  .object({ type: z.literal('sgd'), lr: baseLr, ...sgdShape })
  .strict()
  .refine(nesterovNeedsMomentum.check, nesterovNeedsMomentum.params);
export const larsConfigSchema = z
  .object({ type: z.literal('lars'), lr: baseLr, ...larsShape })
  .strict();
/** AdamW keeps PyTorch's default learning rate, 1e-3; SGD and LARS, as in PyTorch, need one. */
export const adamwConfigSchema = z
  .object({ type: z.literal('adamw'), lr: baseLr.default(1e-3), ...adamwShape })
  .strict();

/**
 * The `optimizer` section of a run's configuration: `type` picks the update rule, `lr` is the
 * base learning rate the schedule works from, the rest are the rule's hyper-parameters with
 * PyTorch's defaults (SoCo's for LARS).
 */
export const optimizerConfigSchema = z.discriminatedUnion('type', [
  sgdConfigSchema,
  larsConfigSchema,
  adamwConfigSchema,
]);

export type SgdOptions = z.output<typeof sgdOptionsSchema>;
export type SgdOptionsInput = z.input<typeof sgdOptionsSchema>;
export type LarsOptions = z.output<typeof larsOptionsSchema>;
export type LarsOptionsInput = z.input<typeof larsOptionsSchema>;
export type AdamWOptions = z.output<typeof adamwOptionsSchema>;
export type AdamWOptionsInput = z.input<typeof adamwOptionsSchema>;
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;
export type OptimizerConfigInput = z.input<typeof optimizerConfigSchema>;
