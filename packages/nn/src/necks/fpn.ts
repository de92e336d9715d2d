import {
  SsdetError,
  type FeatureLevel,
  type FeatureMaps,
  type ForwardOptions,
  type Neck,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { ConvNorm } from '../layers/conv-norm.js';
import type { WeightInit } from '../layers/initializers.js';
import { collectVariables } from '../layers/named-variables.js';

export interface FpnOptions {
  /** The backbone levels to fuse, finest first, named `C<k>` (e.g. a ResNet's `levels`). */
  readonly inLevels: readonly FeatureLevel[];
  /** Default 256. */
  readonly outChannels?: number;
  /**
   * `none` (default): convolutions with bias. `batch`: BatchNorm2d after every lateral and output
   * convolution, which then have no bias (detectron2's `FPN.NORM`, as SoCo pre-trains).
   */
  readonly norm?: 'none' | 'batch';
  /**
   * `maxpool` adds `P<k+1>` from the coarsest output by a 1×1 max-pool of stride 2 (torchvision's
   * `LastLevelMaxPool`, detectron2's `LastLevelMaxPool`): P6 for Faster/Mask R-CNN. Default `none`.
   */
  readonly topLevel?: 'none' | 'maxpool';
  /**
   * The lateral and output convolutions' weights (biases, when there is no norm, start at 0).
   * Default `kaimingUniformA1` — U(±√(3/fan_in)), detectron2's `c2_xavier_fill` and torchvision's
   * `kaiming_uniform_(a=1)`. SoCo's FPN is built from mmcv `ConvModule`s, which draw
   * `kaimingNormalFanOut` (mmcv's `kaiming_init` defaults) and never re-initialise.
   */
  readonly init?: WeightInit;
  readonly rng: Rng;
}

/**
 * Feature Pyramid Network (Lin et al., "Feature Pyramid Networks for Object Detection", CVPR
 * 2017): `L_k = lateral_k(C_k)` (1×1), top-down `M_top = L_top`,
 * `M_k = L_k + nearest_upsample(M_{k+1})` to `C_k`'s size, `P_k = output_k(M_k)` (3×3, pad 1), all
 * with `outChannels` channels; optionally `P_{top+1} = maxpool_{1×1, stride 2}(P_top)`.
 *
 * Variables use detectron2's names, because detectron2 is where SoCo-style pre-trained FPNs are
 * fine-tuned: `fpn_lateral<k>.weight`, `fpn_lateral<k>.bias` (or `fpn_lateral<k>.norm.*` with
 * BatchNorm), `fpn_output<k>.*`, for each input level `C<k>`. (torchvision's
 * `FeaturePyramidNetwork` calls the same tensors `inner_blocks.<i>` / `layer_blocks.<i>`.)
 */
export class Fpn implements Neck {
  readonly levels: readonly FeatureLevel[];
  private readonly inLevels: readonly FeatureLevel[];
  private readonly indices: readonly number[];
  private readonly laterals: readonly ConvNorm[];
  private readonly outputs: readonly ConvNorm[];
  private readonly topLevel: 'none' | 'maxpool';

  constructor(options: FpnOptions) {
    const { inLevels, rng } = options;
    const outChannels = options.outChannels ?? 256;
    if (inLevels.length === 0) {
      throw new SsdetError('NN_BAD_OPTION', 'Fpn option "inLevels" must list at least one level.');
    }
    const indices = inLevels.map((level) => {
      const match = /^C(\d+)$/.exec(level.name);
      if (match === null) {
        throw new SsdetError(
          'NN_BAD_OPTION',
          `Fpn input levels must be named C<k> (C2…C5); got "${level.name}".`,
        );
      }
      return Number(match[1]);
    });
    if (indices.some((k, i) => i > 0 && k <= indices[i - 1]!)) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `Fpn input levels must be ordered finest first; got ${inLevels.map((l) => l.name).join(', ')}.`,
      );
    }
    const withNorm = (options.norm ?? 'none') === 'batch';
    const init = options.init ?? 'kaimingUniformA1';
    this.inLevels = inLevels;
    this.indices = indices;
    this.topLevel = options.topLevel ?? 'none';
    this.laterals = inLevels.map(
      (level, i) =>
        new ConvNorm({
          inChannels: level.channels,
          outChannels,
          kernelSize: 1,
          batchNorm: withNorm,
          init,
          rng: rng.fork(`fpn_lateral${indices[i]}`),
        }),
    );
    this.outputs = inLevels.map(
      (_, i) =>
        new ConvNorm({
          inChannels: outChannels,
          outChannels,
          kernelSize: 3,
          batchNorm: withNorm,
          init,
          rng: rng.fork(`fpn_output${indices[i]}`),
        }),
    );
    const levels: FeatureLevel[] = inLevels.map((level, i) => ({
      name: `P${indices[i]}`,
      channels: outChannels,
      stride: level.stride,
    }));
    if (this.topLevel === 'maxpool') {
      const top = levels[levels.length - 1]!;
      levels.push({
        name: `P${indices[indices.length - 1]! + 1}`,
        channels: outChannels,
        stride: top.stride * 2,
      });
    }
    this.levels = levels;
  }

  forward(features: FeatureMaps, options: ForwardOptions): FeatureMaps {
    const inputs = this.inLevels.map((level) => {
      const map = features[level.name];
      if (map === undefined || map.rank !== 4 || map.shape[3] !== level.channels) {
        throw new SsdetError(
          'NN_BAD_INPUT',
          `Fpn expects feature map "${level.name}" with ${level.channels} channels; got ${
            map === undefined ? 'none' : `shape [${map.shape.join(', ')}]`
          }.`,
        );
      }
      return map;
    });
    return tf.tidy(() => {
      const out: Record<string, tf.Tensor4D> = {};
      let merged: tf.Tensor4D | undefined;
      for (let i = inputs.length - 1; i >= 0; i--) {
        const lateral = this.laterals[i]!.forward(inputs[i]!, options);
        merged =
          merged === undefined
            ? lateral
            : tf.add<tf.Tensor4D>(
                lateral,
                tf.image.resizeNearestNeighbor(merged, [lateral.shape[1], lateral.shape[2]]),
              );
        out[this.levels[i]!.name] = this.outputs[i]!.forward(merged, options);
      }
      if (this.topLevel === 'maxpool') {
        const top = out[this.levels[inputs.length - 1]!.name]!;
        out[this.levels[inputs.length]!.name] = tf.maxPool(top, 1, 2, 'valid');
      }
      // Finest first, as `levels`.
      return Object.fromEntries(this.levels.map((level) => [level.name, out[level.name]!]));
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ...this.laterals.map((lateral, i) => [`fpn_lateral${this.indices[i]}`, lateral] as const),
      ...this.outputs.map((output, i) => [`fpn_output${this.indices[i]}`, output] as const),
    ]);
  }
}
