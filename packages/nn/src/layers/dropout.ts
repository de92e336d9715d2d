import { dropoutBySeed, type Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** What a forward pass with dropout takes: the training flag and the stream for the masks. */
export interface DropoutContext {
  readonly training: boolean;
  /** Seeds each dropout mask; without it the masks are unseeded. */
  readonly rng?: Rng;
}

const TWO_POW_32 = 4294967296;

/**
 * Inverted dropout as `torch.nn.Dropout`: in training, zero each element with probability
 * `rate` and scale the survivors by 1/(1 − rate); identity otherwise.
 *
 * The mask comes from a counter-based generator (Philox, `@ssdet/core`'s `dropoutBySeed`) seeded
 * by one draw of `context.rng`: a backend with the `SsdetDropout` kernel (native) draws and
 * applies it in one multi-threaded pass, and recomputes it for the gradient instead of keeping
 * it; elsewhere it is computed in JavaScript, to the same values. A DETR-family transformer step
 * draws about 10 million of them (UP-DETR: 60 masks), which as `tf.dropout` — tfjs's
 * `randomUniform`, then three more passes over each mask — or as one JavaScript loop was 0.2–0.3 s
 * of single-threaded work a step.
 */
export function dropout(x: tf.Tensor, rate: number, context: DropoutContext): tf.Tensor {
  if (!context.training || rate <= 0) return x;
  // Out-of-range rates and other dtypes: tfjs's op, for its own error messages.
  if (!(rate < 1) || x.dtype !== 'float32') return tf.dropout(x, rate);
  const seed =
    context.rng === undefined ? Math.floor(Math.random() * TWO_POW_32) : context.rng.nextUint32();
  return dropoutBySeed(x, { keep: 1 - rate, seed });
}

/** Only the dropout fields of `inputs` — to pass on without the rest of a layer's inputs. */
export function dropoutContext(inputs: DropoutContext): DropoutContext {
  return inputs.rng === undefined
    ? { training: inputs.training }
    : { training: inputs.training, rng: inputs.rng };
}
