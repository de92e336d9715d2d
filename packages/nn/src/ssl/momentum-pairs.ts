import type { HasVariables, NamedVariables } from '@ssdet/core';
import { setTrainable } from '../layers/named-variables.js';
import type { MomentumSchedule } from './momentum-schedule.js';
import { copyVariables, momentumUpdate, type BufferPolicy } from './momentum-update.js';

/** An online network (trained) and its momentum target (an EMA of it, never trained). */
export type MomentumPair = readonly [online: HasVariables, target: HasVariables];

export interface MomentumPairsOptions {
  /** Every (online, target) pair of the method: MoCo's (encoder_q, encoder_k), BYOL's networks. */
  readonly pairs: readonly MomentumPair[];
  readonly schedule: MomentumSchedule;
  /** What happens to BatchNorm buffers; `keep` in MoCo's and BYOL's official code. */
  readonly buffers: BufferPolicy;
}

/** Where the run is, as the trainer's step context gives it. */
export interface MomentumStep {
  readonly step: number;
  readonly totalSteps: number;
}

/**
 * A method's momentum targets, declared once (solo-learn's `momentum_pairs`): on construction
 * every target receives its online network's variables and is excluded from training; after each
 * optimizer step `update` applies `θ_t ← m·θ_t + (1 − m)·θ_o` to every pair with the schedule's
 * `m`, which `momentumAt` also reports for the metrics.
 */
export class MomentumPairs {
  private readonly options: MomentumPairsOptions;

  constructor(options: MomentumPairsOptions) {
    this.options = options;
    for (const [online, target] of options.pairs) {
      copyVariables(online.variables(), target.variables());
      setTrainable(target.variables(), false);
    }
  }

  /** The momentum of the update after optimizer step `at.step`. */
  momentumAt(at: MomentumStep): number {
    return this.options.schedule(at.step, at.totalSteps);
  }

  /** The EMA update after optimizer step `at.step`; returns the momentum used. */
  update(at: MomentumStep): number {
    const momentum = this.momentumAt(at);
    for (const [online, target] of this.options.pairs)
      momentumUpdate(online.variables(), target.variables(), momentum, {
        buffers: this.options.buffers,
      });
    return momentum;
  }

  /** Every target's variables (checkpointed, not trained). */
  targetVariables(): NamedVariables {
    return new Map(this.options.pairs.flatMap(([, target]) => [...target.variables()]));
  }
}
