import {
  SsdetError,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { ConvNorm } from '../layers/conv-norm.js';
import { Linear } from '../layers/linear.js';
import { collectVariables } from '../layers/named-variables.js';

export interface ConvFcBoxHeadOptions {
  readonly inChannels: number;
  /** Side of the square RoI features, e.g. 7. */
  readonly roiSize: number;
  /** Default 4. */
  readonly numConvs?: number;
  /** Default 256. */
  readonly convDim?: number;
  /** Default 1024. */
  readonly fcDim?: number;
  /** BatchNorm after each conv (then without bias). Default true, as SoCo. */
  readonly batchNorm?: boolean;
  /**
   * `detectron2` (default): `c2_msra_fill` convs, `c2_xavier_fill` fc with a zero bias.
   * `pytorchDefault`: what plain `nn.Conv2d` / `nn.Linear` draw, U(±1/√fan_in) for the weights
   * and the fc bias — SoCo's `FastRCNNConvFCHead`, built from plain PyTorch layers.
   */
  readonly init?: 'detectron2' | 'pytorchDefault';
  readonly rng: Rng;
}

/**
 * The "4conv1fc" RoI box head (detectron2's `FastRCNNConvFCHead` with `NUM_CONV 4`, `NUM_FC 1`,
 * `NORM BN`), which SoCo (Wei et al., "Aligning Pretraining for Detection via Object-Level
 * Contrastive Learning", NeurIPS 2021) pre-trains with the backbone: `numConvs × (3×3 conv → BN →
 * ReLU)`, flatten, `Linear → ReLU`. `[R, S, S, C]` RoI features → `[R, fcDim]`.
 *
 * The flatten runs in PyTorch's (C, H, W) order so that `fc1.weight` converts to detectron2's like
 * any other Linear (a transpose). Variables use detectron2's names: `conv1.weight`,
 * `conv1.norm.*` (or `conv1.bias` without BN), …, `fc1.weight`, `fc1.bias`.
 */
export class ConvFcBoxHead implements HasVariables {
  readonly outDim: number;
  private readonly roiSize: number;
  private readonly inChannels: number;
  private readonly convs: readonly ConvNorm[];
  private readonly fc: Linear;

  constructor(options: ConvFcBoxHeadOptions) {
    const numConvs = options.numConvs ?? 4;
    const convDim = options.convDim ?? 256;
    const fcDim = options.fcDim ?? 1024;
    const { inChannels, roiSize, rng } = options;
    const pytorch = options.init === 'pytorchDefault';
    if (!Number.isInteger(roiSize) || roiSize < 1) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `ConvFcBoxHead option "roiSize" must be a positive integer; got ${roiSize}.`,
      );
    }
    this.inChannels = inChannels;
    this.roiSize = roiSize;
    this.convs = Array.from(
      { length: numConvs },
      (_, i) =>
        new ConvNorm({
          inChannels: i === 0 ? inChannels : convDim,
          outChannels: convDim,
          kernelSize: 3,
          batchNorm: options.batchNorm ?? true,
          init: pytorch ? 'pytorchDefault' : 'kaimingNormalFanOut', // detectron2's c2_msra_fill
          rng: rng.fork(`conv${i + 1}`),
        }),
    );
    const flatDim = (numConvs === 0 ? inChannels : convDim) * roiSize * roiSize;
    this.fc = new Linear({
      inFeatures: flatDim,
      outFeatures: fcDim,
      init: pytorch ? 'pytorchDefault' : 'kaimingUniformA1', // detectron2's c2_xavier_fill
      biasInit: pytorch ? 'pytorchDefault' : 'zeros',
      rng: rng.fork('fc1'),
      draw: 'forked',
    });
    this.outDim = fcDim;
  }

  forward(rois: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    const [, h, w, c] = rois.shape;
    if (rois.rank !== 4 || h !== this.roiSize || w !== this.roiSize || c !== this.inChannels) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `ConvFcBoxHead expects RoI features [R, ${this.roiSize}, ${this.roiSize}, ${this.inChannels}]; got [${rois.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const features = this.convs.reduce((x, conv) => tf.relu(conv.forward(x, options)), rois);
      const flat = tf.reshape(tf.transpose(features, [0, 3, 1, 2]), [
        rois.shape[0],
        -1,
      ]) as tf.Tensor2D;
      return tf.relu(this.fc.forward(flat));
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ...this.convs.map((conv, i) => [`conv${i + 1}`, conv] as const),
      ['fc1', this.fc],
    ]);
  }
}
