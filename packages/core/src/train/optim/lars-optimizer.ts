import * as tf from '@tensorflow/tfjs-core';
import { parseConfig } from '../../config/parse-config.js';
import type { NamedVariables } from '../../contracts/parameters.js';
import type { Optimizer } from './optimizer.js';
import type { ParameterGroup } from '../../contracts/parameter-group.js';
import { larsOptionsSchema, type LarsOptions, type LarsOptionsInput } from './optimizer-config.js';
import {
  checkLearningRate,
  indexParameters,
  pairGradients,
  type OptimizerParameter,
} from './optimizer-parameters.js';
import { LARS_UPDATE, applyFusedUpdate, hasFusedUpdate } from './fused-update.js';
import { SlotVariables } from './slot-variables.js';

/**
 * LARS — layer-wise adaptive rate scaling (You, Gitman & Ginsburg 2017, arXiv:1708.03888) — in
 * the form SoCo trains with (hologerry/SoCo `contrast/lars.py`: a gradient rescaling in front of
 * `torch.optim.SGD` with momentum and no dampening):
 *
 *     g ← g + λ·w                                   (adapted variables only)
 *     g ← g · η·‖w‖ / (‖g‖ + ε)   if ‖w‖ > 0 and ‖g‖ > 0, else g   (adapted only)
 *     b ← μ·b + g,   b₁ = g
 *     w ← w − lr·b
 *
 * ‖g‖ is the norm of the decayed gradient; the trust ratio goes into the momentum buffer and the
 * learning rate multiplies the buffer. A variable is adapted when its group's `larsAdaptation`
 * says so, otherwise when it has more than one dimension: biases and norm parameters get neither
 * weight decay nor the trust ratio (SoCo's `add_weight_decay`, BYOL, SimCLR). A group's explicit
 * `weightDecay` applies to its variables whether or not they are adapted.
 *
 * Other LARS implementations differ, and would not reproduce SoCo's numbers:
 * - PyTorch Lightning Bolts `LARS`: ratio η·‖w‖ / (‖g‖ + λ·‖w‖ + ε) from the *raw* gradient norm,
 *   and it excludes variables by "weight decay is 0" rather than by shape.
 * - NVIDIA apex `LARC`, used by VISSL/SwAV: the same λ·‖w‖ denominator, adapts every variable
 *   (norm layers included) and by default clips: the ratio becomes min(ratio / lr, 1).
 * - BYOL (optax `lars`): like SoCo but without ε in the denominator.
 *
 * Slots: `momentum_buffer/<name>` when μ > 0. With momentum, a backend's fused `SsdetLarsUpdate`
 * kernel applies the whole rule in one call.
 */
export class LarsOptimizer implements Optimizer {
  readonly options: LarsOptions;
  private readonly parameters: ReadonlyMap<string, OptimizerParameter>;
  private readonly slots = new SlotVariables();

  constructor(groups: readonly ParameterGroup[], options: LarsOptionsInput = {}) {
    this.options = parseConfig(larsOptionsSchema, options, 'LARS optimizer options');
    this.parameters = indexParameters(groups, 'LARS');
    if (this.options.momentum > 0) {
      for (const { name, variable } of this.parameters.values()) {
        this.slots.create('momentum_buffer', name, variable.shape);
      }
    }
  }

  /** Whether `name` gets the trust ratio (and, unless its group says otherwise, weight decay). */
  isAdapted(name: string): boolean {
    const parameter = this.parameters.get(name);
    if (parameter === undefined) return false;
    return parameter.group.larsAdaptation ?? parameter.variable.rank > 1;
  }

  apply(gradients: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    checkLearningRate(learningRate, 'LARS');
    const { momentum, trustCoefficient, eps } = this.options;
    for (const [{ name, variable, group }, gradient] of pairGradients(
      this.parameters,
      gradients,
      'LARS',
    )) {
      const lr = learningRate * (group.lrMultiplier ?? 1);
      const adapted = this.isAdapted(name);
      const weightDecay = group.weightDecay ?? (adapted ? this.options.weightDecay : 0);
      if (momentum > 0 && hasFusedUpdate(LARS_UPDATE, variable)) {
        const buffer = this.slots.get('momentum_buffer', name);
        applyFusedUpdate(
          LARS_UPDATE,
          { variable, gradient, buffer },
          { lr, momentum, weightDecay, trustCoefficient, eps, adapted },
          [variable, buffer],
        );
        continue;
      }
      tf.tidy(() => {
        let direction =
          weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(variable, weightDecay));
        if (adapted) {
          const weightNorm = tf.norm(variable);
          const gradientNorm = tf.norm(direction);
          const trusted = tf.div(tf.mul(weightNorm, trustCoefficient), tf.add(gradientNorm, eps));
          const bothPositive = tf.logicalAnd(
            tf.greater(weightNorm, 0),
            tf.greater(gradientNorm, 0),
          );
          direction = tf.mul(direction, tf.where(bothPositive, trusted, tf.onesLike(trusted)));
        }
        if (momentum > 0) {
          const buffer = this.slots.get('momentum_buffer', name);
          const next = tf.add(tf.mul(buffer, momentum), direction);
          buffer.assign(next);
          direction = next;
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
}
