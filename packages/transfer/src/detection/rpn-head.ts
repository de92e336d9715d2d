import type { ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, Conv2d } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Faster R-CNN's RPN head, torchvision's `RPNHead`: a shared 3×3 convolution with ReLU, then per
 * location `A` objectness logits (1×1) and `4A` box deltas (1×1), on every pyramid level.
 * NHWC outputs flatten in anchor order (y, x, anchor[, coordinate]).
 * Variables: `conv.0.0.*`, `cls_logits.*`, `bbox_pred.*` (torchvision 0.14's names).
 */
export class RpnHead implements HasVariables {
  readonly conv: Conv2d;
  readonly logits: Conv2d;
  readonly deltas: Conv2d;

  constructor(channels: number, anchorsPerLocation: number, rng: Rng) {
    // torchvision: normal(std 0.01) weights, zero biases, for all three.
    const init = { init: 'normal001', biasInit: 'zeros' } as const;
    this.conv = new Conv2d({
      inChannels: channels,
      outChannels: channels,
      kernelSize: 3,
      padding: 1,
      ...init,
      rng: rng.fork('conv'),
    });
    this.logits = new Conv2d({
      inChannels: channels,
      outChannels: anchorsPerLocation,
      kernelSize: 1,
      ...init,
      rng: rng.fork('cls_logits'),
    });
    this.deltas = new Conv2d({
      inChannels: channels,
      outChannels: 4 * anchorsPerLocation,
      kernelSize: 1,
      ...init,
      rng: rng.fork('bbox_pred'),
    });
  }

  /** Per level: `[N, H, W, A]` logits and `[N, H, W, 4A]` deltas. */
  forward(
    features: readonly tf.Tensor4D[],
    _options: ForwardOptions,
  ): { logits: tf.Tensor4D[]; deltas: tf.Tensor4D[] } {
    return tf.tidy(() => {
      const shared = features.map((x) => tf.relu(this.conv.forward(x)));
      return {
        logits: shared.map((t) => this.logits.forward(t)),
        deltas: shared.map((t) => this.deltas.forward(t)),
      };
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['conv.0.0', this.conv],
      ['cls_logits', this.logits],
      ['bbox_pred', this.deltas],
    ]);
  }
}
