import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import { DenseHead, MlpHead, collectVariables, globalAvgPool, initWeight } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

export interface DenseCLNeckOptions {
  /** Channels of the backbone's C5 (2048 for ResNet-50). */
  readonly inChannels: number;
  /** Hidden width of both projection heads (2048 in the paper). */
  readonly hiddenDim: number;
  /** Embedding size (128 in the paper). */
  readonly outDim: number;
  /**
   * The global head's FC weights: `kaimingNormalFanIn` (default; `init_linear='kaiming'`, what
   * DenseCL passes) or `normal001` (`init_linear='normal'`). Biases start at 0 either way.
   */
  readonly linearInit?: 'kaimingNormalFanIn' | 'normal001';
  readonly rng: Rng;
}

/** What the neck makes of one batch of C5 maps; nothing is L2-normalised yet. */
export interface DenseCLNeckOutput {
  /** `[N, D]` the global projection of the average-pooled C5 (q or k before normalisation). */
  readonly global: tf.Tensor2D;
  /** `[N, S, S, D]` the dense projection of every C5 position (r or t before normalisation). */
  readonly dense: tf.Tensor4D;
  /** `[N, D]` the spatial mean of `dense`: what the dense queue stores for a key (after normalisation). */
  readonly densePooled: tf.Tensor2D;
}

/**
 * DenseCL's projection neck (paper §3.2, fig. 2): two heads in parallel on the backbone's C5.
 * - Global head: average pool → FC(C, hidden) → ReLU → FC(hidden, D), MoCo v2's projector.
 * - Dense head: 1×1 conv(C, hidden) → ReLU → 1×1 conv(hidden, D) at every position; its spatial
 *   mean is also returned, because the dense queue holds one pooled vector per key image.
 *
 * As in the official `DenseCLNeck` + `init_weights(init_linear='kaiming')`, the FC weights are
 * N(0, 2/fan_in) (or N(0, 0.01²), `linearInit`) with zero biases; the 1×1 convolutions keep
 * PyTorch's default initialisation.
 *
 * Variables as the official module's `state_dict`: `mlp.0.*`, `mlp.2.*` (global head),
 * `mlp2.0.*`, `mlp2.2.*` (dense head).
 */
export class DenseCLNeck implements HasVariables {
  readonly inChannels: number;
  readonly outDim: number;
  private readonly mlp: MlpHead;
  private readonly mlp2: DenseHead;

  constructor(options: DenseCLNeckOptions) {
    const { inChannels, hiddenDim, outDim, rng } = options;
    for (const [field, value] of [
      ['inChannels', inChannels],
      ['hiddenDim', hiddenDim],
      ['outDim', outDim],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new SsdetError(
          'DENSECL_BAD_OPTION',
          `DenseCLNeck option "${field}" must be a positive integer; got ${value}.`,
        );
      }
    }
    this.inChannels = inChannels;
    this.outDim = outDim;
    this.mlp = new MlpHead({
      inDim: inChannels,
      hiddenDim,
      outDim,
      batchNorm: false,
      rng: rng.fork('mlp'),
    });
    this.mlp2 = new DenseHead({
      inChannels,
      hiddenChannels: hiddenDim,
      outChannels: outDim,
      rng: rng.fork('mlp2'),
    });
    // OpenSelfSup's `_init_weights` re-draws the FC layers after construction (MlpHead draws
    // PyTorch's default); the weights come from one stream, in order.
    const linearInit = options.linearInit ?? 'kaimingNormalFanIn';
    const draw = rng.fork('mlp-kaiming');
    for (const [name, variable] of this.mlp.variables()) {
      tf.tidy(() => {
        if (name.endsWith('.bias')) {
          variable.assign(tf.zerosLike(variable));
        } else {
          const [fanIn, fanOut] = variable.shape as [number, number]; // Linear weights are [in, out]
          variable.assign(initWeight(variable.shape, { fanIn, fanOut }, linearInit, draw));
        }
      });
    }
  }

  /** `c5` `[N, S, S, C]` → global and dense projections. */
  forward(c5: tf.Tensor4D): DenseCLNeckOutput {
    if (c5.rank !== 4 || c5.shape[3] !== this.inChannels) {
      throw new SsdetError(
        'DENSECL_BAD_INPUT',
        `DenseCLNeck expects C5 maps [N, S, S, ${this.inChannels}]; got [${c5.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      // The MLP has no BatchNorm, so training and evaluation modes coincide.
      const global = this.mlp.forward(globalAvgPool(c5), { training: true });
      const dense = this.mlp2.forward(c5);
      return { global, dense, densePooled: globalAvgPool(dense) };
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['mlp', this.mlp],
      ['mlp2', this.mlp2],
    ]);
  }
}
