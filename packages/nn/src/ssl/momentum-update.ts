import { EMA_UPDATE, SsdetError, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * What happens to buffers (BatchNorm running statistics) in a momentum update:
 * - `keep` (default): the target keeps its own, computed by its own forward passes — MoCo's key
 *   encoder and BYOL's target network (their official code averages parameters only);
 * - `ema`: averaged like parameters (integer buffers such as `num_batches_tracked` are copied);
 * - `copy`: overwritten with the online network's.
 */
export type BufferPolicy = 'keep' | 'ema' | 'copy';

export interface MomentumUpdateOptions {
  readonly buffers?: BufferPolicy;
  /** Which names are buffers. Default: names ending in `running_mean`, `running_var`, `num_batches_tracked`. */
  readonly isBuffer?: (name: string) => boolean;
}

const BUFFER_SUFFIXES = ['running_mean', 'running_var', 'num_batches_tracked'];

/** True for PyTorch BatchNorm buffer names (`layer1.0.bn1.running_var`). */
export function isBatchNormBuffer(name: string): boolean {
  return BUFFER_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/**
 * The momentum (exponential moving average) update of a target network, MoCo (He et al., CVPR
 * 2020, eq. 2) and BYOL (Grill et al., NeurIPS 2020, eq. 1): for every parameter name,
 * `θ_target ← m·θ_target + (1 − m)·θ_online`. `online` and `target` must have the same names and
 * shapes; buffers follow `options.buffers`. Runs outside autodiff (no gradient flows through it).
 * A backend with `@ssdet/core`'s fused `SsdetEmaUpdate` kernel (`@ssdet/backend-native`) applies
 * it in one pass per variable, in place when nothing else holds the target's values; other
 * backends run the same formula as three tfjs ops.
 */
export function momentumUpdate(
  online: NamedVariables,
  target: NamedVariables,
  momentum: number,
  options: MomentumUpdateOptions = {},
): void {
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new SsdetError('NN_BAD_OPTION', `Momentum must be in [0, 1]; got ${momentum}.`);
  }
  const pairs = matchVariables(online, target);
  const policy = options.buffers ?? 'keep';
  const isBuffer = options.isBuffer ?? isBatchNormBuffer;
  const fused = tf.getKernel(EMA_UPDATE, tf.getBackend()) !== undefined;
  tf.tidy(() => {
    for (const [name, source, destination] of pairs) {
      const mode = isBuffer(name) ? policy : 'ema';
      if (mode === 'keep') continue;
      if (mode === 'copy' || source.dtype !== 'float32') {
        destination.assign(tf.clone(source));
      } else if (fused) {
        const [next] = tf
          .engine()
          .runKernel(
            EMA_UPDATE,
            { target: destination, online: source },
            { momentum },
          ) as tf.Tensor[];
        destination.assign(next!);
      } else {
        destination.assign(tf.add(tf.mul(destination, momentum), tf.mul(source, 1 - momentum)));
      }
    }
  });
}

/**
 * `target ← online` for every variable, parameters and buffers: the initialisation of a
 * momentum encoder (MoCo's `param_k.data.copy_(param_q.data)`).
 */
export function copyVariables(online: NamedVariables, target: NamedVariables): void {
  const pairs = matchVariables(online, target);
  tf.tidy(() => {
    for (const [, source, destination] of pairs) destination.assign(tf.clone(source));
  });
}

function matchVariables(
  online: NamedVariables,
  target: NamedVariables,
): (readonly [string, tf.Variable, tf.Variable])[] {
  const missing = [...online.keys()].filter((name) => !target.has(name));
  const extra = [...target.keys()].filter((name) => !online.has(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new SsdetError(
      'NN_VARIABLES_MISMATCH',
      `Online and target networks must have the same variable names; target lacks [${missing
        .slice(0, 5)
        .join(', ')}] and has extra [${extra.slice(0, 5).join(', ')}].`,
      { hint: 'Build the target with the same constructor options as the online network.' },
    );
  }
  return [...online].map(([name, source]) => {
    const destination = target.get(name)!;
    if (
      !tf.util.arraysEqual(source.shape, destination.shape) ||
      source.dtype !== destination.dtype
    ) {
      throw new SsdetError(
        'NN_VARIABLES_MISMATCH',
        `Variable "${name}" is ${source.dtype} [${source.shape.join(', ')}] online but ${destination.dtype} [${destination.shape.join(', ')}] in the target.`,
      );
    }
    return [name, source, destination] as const;
  });
}
