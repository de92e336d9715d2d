import * as tf from '@tensorflow/tfjs-core';
import { parseConfig } from '../../config/parse-config.js';
import type { NamedVariables } from '../../contracts/parameters.js';
import type { Optimizer } from './optimizer.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';
import {
  adamwOptionsSchema,
  type AdamWOptions,
  type AdamWOptionsInput,
} from './optimizer-config.js';
import {
  checkLearningRate,
  indexParameters,
  pairGradients,
  type OptimizerParameter,
} from './optimizer-parameters.js';
import { ADAMW_UPDATE, applyFusedUpdate, hasFusedUpdate } from './fused-update.js';
import { SlotVariables } from './slot-variables.js';

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, arXiv:1711.05101), exactly as
 * `torch.optim.AdamW` (PyTorch 1.13, amsgrad off):
 *
 *     t ← t + 1
 *     w ← w·(1 − lr·λ)
 *     m ← β₁·m + (1 − β₁)·g
 *     v ← β₂·v + (1 − β₂)·g²
 *     w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * Slots: `exp_avg/<name>`, `exp_avg_sq/<name>` and `step/<name>` (float32, like PyTorch's), per
 * variable: a variable without a gradient keeps its step count, so its bias correction stays
 * right when it trains later. 1 − βᵗ is computed on the device as −expm1(t·ln β), with ln β in
 * float64: no host round trip per step, and no float32 cancellation in 1 − 0.999ᵗ. A backend's
 * fused `SsdetAdamWUpdate` kernel, when it has one, applies the whole rule in one call.
 */
export class AdamWOptimizer implements Optimizer {
  readonly options: AdamWOptions;
  private readonly parameters: ReadonlyMap<string, OptimizerParameter>;
  private readonly slots = new SlotVariables();

  constructor(groups: readonly ParameterGroup[], options: AdamWOptionsInput = {}) {
    this.options = parseConfig(adamwOptionsSchema, options, 'AdamW optimizer options');
    this.parameters = indexParameters(groups, 'AdamW');
    for (const { name, variable } of this.parameters.values()) {
      this.slots.create('exp_avg', name, variable.shape);
      this.slots.create('exp_avg_sq', name, variable.shape);
      this.slots.create('step', name);
    }
  }

  apply(gradients: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    checkLearningRate(learningRate, 'AdamW');
    const [beta1, beta2] = this.options.betas;
    const { eps } = this.options;
    for (const [{ name, variable, group }, gradient] of pairGradients(
      this.parameters,
      gradients,
      'AdamW',
    )) {
      const lr = learningRate * (group.lrMultiplier ?? 1);
      const weightDecay = group.weightDecay ?? this.options.weightDecay;
      if (hasFusedUpdate(ADAMW_UPDATE, variable)) {
        const slots = (['exp_avg', 'exp_avg_sq', 'step'] as const).map((slot) =>
          this.slots.get(slot, name),
        );
        const [expAvg, expAvgSq, step] = slots as [tf.Variable, tf.Variable, tf.Variable];
        applyFusedUpdate(
          ADAMW_UPDATE,
          { variable, gradient, expAvg, expAvgSq, step },
          { lr, beta1, beta2, eps, weightDecay },
          [variable, expAvg, expAvgSq, step],
        );
        continue;
      }
      tf.tidy(() => {
        const step = this.slots.get('step', name);
        const expAvg = this.slots.get('exp_avg', name);
        const expAvgSq = this.slots.get('exp_avg_sq', name);
        const t = tf.add(step, 1);
        step.assign(t);
        const decayed = weightDecay === 0 ? variable : tf.mul(variable, 1 - lr * weightDecay);
        const m = tf.add(tf.mul(expAvg, beta1), tf.mul(gradient, 1 - beta1));
        const v = tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        expAvg.assign(m);
        expAvgSq.assign(v);
        const correction1 = biasCorrection(beta1, t);
        const correction2 = biasCorrection(beta2, t);
        const denominator = tf.add(tf.div(tf.sqrt(v), tf.sqrt(correction2)), eps);
        const stepSize = tf.div(lr, correction1);
        variable.assign(tf.sub(decayed, tf.mul(stepSize, tf.div(m, denominator))));
      });
    }
  }

  state(): NamedVariables {
    return this.slots.state();
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** 1 − βᵗ; exactly 1 for β = 0 (0ᵗ = 0 for t ≥ 1). */
function biasCorrection(beta: number, t: tf.Tensor): tf.Tensor {
  if (beta === 0) return tf.scalar(1);
  return tf.neg(tf.expm1(tf.mul(t, Math.log(beta))));
}
