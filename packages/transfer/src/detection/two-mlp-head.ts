import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, Linear } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Faster R-CNN's box head, torchvision's `TwoMLPHead`: pooled RoI features flattened in PyTorch's
 * channel-major order (C, H, W), then two fully connected layers with ReLU (1024 wide in
 * `fasterrcnn_resnet50_fpn`). Flattening as PyTorch does keeps `fc6` loadable from torchvision
 * and detectron2 weights unchanged. Variables: `fc6.*`, `fc7.*`.
 */
export class TwoMlpHead implements HasVariables {
  readonly fc6: Linear;
  readonly fc7: Linear;

  constructor(inChannels: number, resolution: number, representationSize: number, rng: Rng) {
    this.fc6 = new Linear({
      inFeatures: inChannels * resolution * resolution,
      outFeatures: representationSize,
      rng: rng.fork('fc6'),
      draw: 'forked',
    });
    this.fc7 = new Linear({
      inFeatures: representationSize,
      outFeatures: representationSize,
      rng: rng.fork('fc7'),
      draw: 'forked',
    });
  }

  /** `[R, H, W, C]` pooled features → `[R, representationSize]`. */
  forward(pooled: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const channelMajor = tf.transpose(pooled, [0, 3, 1, 2]);
      const flat = tf.reshape(channelMajor, [pooled.shape[0], -1]) as tf.Tensor2D;
      return tf.relu(this.fc7.forward(tf.relu(this.fc6.forward(flat))));
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['fc6', this.fc6],
      ['fc7', this.fc7],
    ]);
  }
}
