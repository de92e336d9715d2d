import type { HasVariables, NamedVariables } from '@ssdet/core';
import { setTrainable } from '../layers/named-variables.js';
import type { MomentumSchedule } from './momentum-schedule.js';
import { copyVariables, momentumUpdate, type MomentumUpdateOptions } from './momentum-update.js';

export interface MomentumEncoderOptions extends MomentumUpdateOptions {
  /** The network the optimizer trains (query encoder, online network). */
  readonly online: HasVariables;
  /** A second instance built with the same options (key encoder, target network). */
  readonly target: HasVariables;
  readonly schedule: MomentumSchedule;
}

/**
 * Ties a target network to an online one, MoCo's key encoder / BYOL's target: on construction the
 * target receives the online variables and is excluded from training (`trainable = false`, no
 * gradient); `update(step)` after each optimizer step applies {@link momentumUpdate} with the
 * schedule's momentum.
 */
export class MomentumEncoder implements HasVariables {
  readonly online: HasVariables;
  readonly target: HasVariables;
  private readonly schedule: MomentumSchedule;
  private readonly updateOptions: MomentumUpdateOptions;

  constructor(options: MomentumEncoderOptions) {
    this.online = options.online;
    this.target = options.target;
    this.schedule = options.schedule;
    this.updateOptions = { buffers: options.buffers, isBuffer: options.isBuffer };
    copyVariables(this.online.variables(), this.target.variables());
    setTrainable(this.target.variables(), false);
  }

  /** Applies the EMA for optimizer step `step` and returns the momentum used. */
  update(step: number): number {
    const momentum = this.schedule(step);
    momentumUpdate(this.online.variables(), this.target.variables(), momentum, this.updateOptions);
    return momentum;
  }

  /** The target's variables (the online network's are its own component's). */
  variables(): NamedVariables {
    return this.target.variables();
  }
}
