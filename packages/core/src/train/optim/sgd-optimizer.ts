import * as tf from '@tensorflow/tfjs-core';
import { parseConfig } from '../../config/parse-config.js';
import type { NamedVariables } from '../../contracts/parameters.js';
import type { Optimizer } from './optimizer.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';
import { sgdOptionsSchema, type SgdOptions, type SgdOptionsInput } from './optimizer-config.js';
import {
  checkLearningRate,
  indexParameters,
  pairGradients,
  type OptimizerParameter,
} from './optimizer-parameters.js';
import { SGD_UPDATE, applyFusedUpdate, hasFusedUpdate } from './fused-update.js';
import { SlotVariables } from './slot-variables.js';

/**
 * Stochastic gradient descent with momentum, exactly as `torch.optim.SGD` (PyTorch 1.13):
 *
 *     g ← g + λ·w                         (weight decay λ, coupled)
 *     b ← μ·b + (1 − τ)·g,   b₁ = g       (momentum μ, dampening τ; the first buffer is g)
 *     g ← g + μ·b  (nesterov)  or  g ← b
 *     w ← w − η·g                         (η = scheduled lr × the group's lrMultiplier)
 *
 * Slots: `momentum_buffer/<name>` when μ > 0, and `step/<name>` (steps taken, float32 like
 * PyTorch's) when τ > 0 — the only case where the first buffer differs from a zero-started one.
 * Groups may override the weight decay; a variable without a gradient is left untouched. With
 * momentum and no dampening, a backend's fused `SsdetSgdUpdate` kernel applies it in one call.
 */
export class SgdOptimizer implements Optimizer {
  readonly options: SgdOptions;
  private readonly parameters: ReadonlyMap<string, OptimizerParameter>;
  private readonly slots = new SlotVariables();

  constructor(groups: readonly ParameterGroup[], options: SgdOptionsInput = {}) {
    this.options = parseConfig(sgdOptionsSchema, options, 'SGD optimizer options');
    this.parameters = indexParameters(groups, 'SGD');
    if (this.options.momentum > 0) {
      for (const { name, variable } of this.parameters.values()) {
        this.slots.create('momentum_buffer', name, variable.shape);
        if (this.options.dampening > 0) this.slots.create('step', name);
      }
    }
  }

  apply(gradients: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    checkLearningRate(learningRate, 'SGD');
    const { momentum, nesterov } = this.options;
    for (const [{ name, variable, group }, gradient] of pairGradients(
      this.parameters,
      gradients,
      'SGD',
    )) {
      const lr = learningRate * (group.lrMultiplier ?? 1);
      const weightDecay = group.weightDecay ?? this.options.weightDecay;
      if (momentum > 0 && this.options.dampening === 0 && hasFusedUpdate(SGD_UPDATE, variable)) {
        const buffer = this.slots.get('momentum_buffer', name);
        applyFusedUpdate(
          SGD_UPDATE,
          { variable, gradient, buffer },
          { lr, momentum, weightDecay, nesterov },
          [variable, buffer],
        );
        continue;
      }
      tf.tidy(() => {
        let direction =
          weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(variable, weightDecay));
        if (momentum > 0) {
          const buffer = this.slots.get('momentum_buffer', name);
          const next = tf.add(
            tf.mul(buffer, momentum),
            tf.mul(direction, this.gradientScale(name)),
          );
          buffer.assign(next);
          direction = nesterov ? tf.add(direction, tf.mul(next, momentum)) : next;
        }
        variable.assign(tf.sub(variable, tf.mul(direction, lr)));
      });
    }
  }

  state(): NamedVariables {
    return this.slots.state();
  }

  dispose(): void {
    this.slots.dispose();
  }

  /** 1 − τ, except 1 on a variable's first step (PyTorch starts the buffer at g, undamped). */
  private gradientScale(name: string): number | tf.Scalar {
    const { dampening } = this.options;
    if (dampening === 0) return 1;
    const step = this.slots.get('step', name);
    const scale = tf.sub(1, tf.mul(dampening, tf.minimum(step, 1))) as tf.Scalar;
    step.assign(tf.add(step, 1));
    return scale;
  }
}
