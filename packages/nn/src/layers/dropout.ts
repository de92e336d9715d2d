import type { Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** What a forward pass with dropout takes: the training flag and the stream for the masks. */
export interface DropoutContext {
  readonly training: boolean;
  /** Seeds each dropout mask; without it tfjs draws unseeded masks. */
  readonly rng?: Rng;
}

/**
 * Inverted dropout as `torch.nn.Dropout`: in training, zero each element with probability
 * `rate` and scale the survivors by 1/(1 − rate); identity otherwise.
 */
export function dropout(x: tf.Tensor, rate: number, context: DropoutContext): tf.Tensor {
  if (!context.training || rate <= 0) return x;
  const seed = context.rng === undefined ? undefined : context.rng.nextUint32();
  return tf.dropout(x, rate, undefined, seed);
}

/** Only the dropout fields of `inputs` — to pass on without the rest of a layer's inputs. */
export function dropoutContext(inputs: DropoutContext): DropoutContext {
  return inputs.rng === undefined
    ? { training: inputs.training }
    : { training: inputs.training, rng: inputs.rng };
}
