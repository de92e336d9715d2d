import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariables } from '../../contracts/parameters.js';

/**
 * An optimizer's per-parameter state (momentum buffers, Adam moments, step counts), held as
 * non-trainable tf Variables named `<slot>/<parameter name>` after PyTorch's state keys, so a
 * checkpoint stores them by name and a resumed run assigns them back before its first step.
 *
 * Slots are created eagerly and start at zero: for every update rule here a zero buffer gives
 * the same first step as PyTorch's lazily created one (SGD's dampening, the one exception, is
 * handled with a step count).
 */
export class SlotVariables {
  private readonly slots = new Map<string, tf.Variable>();

  /** Creates slot `slot` for a parameter: zeros of `shape` (a scalar by default). */
  create(slot: string, parameterName: string, shape: readonly number[] = []): tf.Variable {
    // Auto-named: tfjs variable names are process-global.
    const variable = tf.tidy(() => tf.variable(tf.zeros([...shape]), false));
    this.slots.set(slotKey(slot, parameterName), variable);
    return variable;
  }

  get(slot: string, parameterName: string): tf.Variable {
    const variable = this.slots.get(slotKey(slot, parameterName));
    if (variable === undefined) throw new Error(`no slot ${slotKey(slot, parameterName)}`);
    return variable;
  }

  state(): NamedVariables {
    return new Map(this.slots);
  }

  dispose(): void {
    for (const variable of this.slots.values()) variable.dispose();
    this.slots.clear();
  }
}

function slotKey(slot: string, parameterName: string): string {
  return `${slot}/${parameterName}`;
}
