import * as tf from '@tensorflow/tfjs-core';
import type { Loss, LossOutput } from '../contracts/loss.js';
import { SsdetError } from '../errors/ssdet-error.js';

/** A loss evaluated on one batch: its name, the weight in effect and the unweighted value. */
export interface EvaluatedLoss {
  readonly name: string;
  readonly weight: number;
  readonly value: Scalar;
}

type Scalar = tf.Scalar;

/**
 * Evaluates `loss` on `inputs`. `weight` overrides `loss.weight` for a coefficient that follows a
 * schedule (DenseCL's λ warm-up).
 */
export function evaluateLoss<Inputs>(
  loss: Loss<Inputs>,
  inputs: Inputs,
  weight: number = loss.weight,
): EvaluatedLoss {
  return { name: loss.name, weight, value: loss.compute(inputs) };
}

/**
 * A method's objective from its evaluated losses:
 *
 *     total = Σᵢ wᵢ·Lᵢ,   terms[nameᵢ] = wᵢ·Lᵢ
 *
 * so the logged terms add up to the total. Two losses under one name are refused.
 */
export function combineLosses(losses: readonly EvaluatedLoss[]): LossOutput {
  if (losses.length === 0)
    throw new SsdetError('LOSS_EMPTY', 'combineLosses needs at least one evaluated loss.');
  return tf.tidy(() => {
    const terms: Record<string, Scalar> = {};
    for (const { name, weight, value } of losses) {
      if (name in terms)
        throw new SsdetError(
          'LOSS_DUPLICATE',
          `Two losses are named "${name}"; term names must differ.`,
        );
      terms[name] = tf.mul(value, weight) as Scalar;
    }
    const values = Object.values(terms);
    const total = tf.addN(values) as Scalar;
    return { total, terms };
  });
}
