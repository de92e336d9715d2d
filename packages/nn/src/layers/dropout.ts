import { Rng } from '@ssdet/core';
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
 * The mask is drawn in one loop over 32-bit integers of a stream seeded by one draw of
 * `context.rng`, and applied with one multiplication. `tf.dropout` draws its uniforms through
 * tfjs's `randomUniform` (about 27 ns a value here) and then adds, floors and divides: a
 * DETR-family transformer step draws about 10 million of them (UP-DETR: 60 masks, 0.26 s of
 * single-threaded JavaScript and three more passes over each mask).
 */
export function dropout(x: tf.Tensor, rate: number, context: DropoutContext): tf.Tensor {
  if (!context.training || rate <= 0) return x;
  // Out-of-range rates and other dtypes: tfjs's op, for its own error messages.
  if (!(rate < 1) || x.dtype !== 'float32') return tf.dropout(x, rate);
  const seed =
    context.rng === undefined ? Math.floor(Math.random() * TWO_POW_32) : context.rng.nextUint32();
  return tf.tidy(() => tf.mul(x, tf.tensor(keepMultipliers(x.size, 1 - rate, seed), x.shape)));
}

/** `size` values: 1/keep with probability `keep`, else 0, from the stream `seed` starts. */
function keepMultipliers(size: number, keep: number, seed: number): Float32Array {
  const stream = Rng.fromSeed(seed);
  // u < keep·2³² for a uniform 32-bit u: kept with probability keep (to 2⁻³²).
  const threshold = keep * TWO_POW_32;
  const scale = 1 / keep;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) if (stream.nextUint32() < threshold) values[i] = scale;
  return values;
}

/** Only the dropout fields of `inputs` — to pass on without the rest of a layer's inputs. */
export function dropoutContext(inputs: DropoutContext): DropoutContext {
  return inputs.rng === undefined
    ? { training: inputs.training }
    : { training: inputs.training, rng: inputs.rng };
}
