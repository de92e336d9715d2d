import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, Conv2d } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mask R-CNN's mask head, torchvision's `MaskRCNNHeads`: 3×3 convolutions with ReLU (four of 256
 * channels in `maskrcnn_resnet50_fpn`) on the 14×14 pooled RoI features. Weights Kaiming-normal
 * (fan out), biases zero. Variables `<i>.0.weight`, `<i>.0.bias`.
 */
export class MaskRcnnHeads implements HasVariables {
  readonly convs: readonly Conv2d[];

  constructor(inChannels: number, layers: readonly number[], rng: Rng) {
    this.convs = layers.map(
      (channels, i) =>
        new Conv2d({
          inChannels: i === 0 ? inChannels : layers[i - 1]!,
          outChannels: channels,
          kernelSize: 3,
          padding: 1,
          init: 'kaimingNormalFanOut',
          biasInit: 'zeros',
          rng: rng.fork(`mask_fcn${i + 1}`),
        }),
    );
  }

  /** `[R, 14, 14, C]` → `[R, 14, 14, layers.at(-1)]`. */
  forward(pooled: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.convs.reduce((x, conv) => tf.relu(conv.forward(x)), pooled));
  }

  variables(): NamedVariables {
    return collectVariables(this.convs.map((conv, i) => [`${i}.0`, conv] as const));
  }
}
