import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, initDefaultBias, initWeight, variableFrom } from '@ssdet/nn';

/**
 * DETR's `input_proj`: a 1×1 convolution from the backbone's channels to d, NHWC → NHWC.
 * Variables `weight` (HWIO `[1, 1, in, d]`; torch stores OIHW `[d, in, 1, 1]`) and `bias`,
 * initialised as `nn.Conv2d` (U(±1/√in)).
 */
export class InputProjection implements HasVariables {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    rng: Rng,
  ) {
    const fans = { fanIn: inChannels, fanOut: outChannels };
    this.weight = variableFrom(() =>
      initWeight([1, 1, inChannels, outChannels], fans, 'pytorchDefault', rng),
    );
    this.bias = variableFrom(() => initDefaultBias(outChannels, inChannels, rng));
  }

  /** `[B, H, W, in]` → `[B, H, W, d]`. */
  apply(features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(
      () =>
        tf.add(
          tf.conv2d(features, this.weight as tf.Tensor4D, 1, 'valid'),
          this.bias,
        ) as tf.Tensor4D,
    );
  }

  variables(): NamedVariables {
    return collectVariables([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
  }
}
