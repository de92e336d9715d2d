import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, Conv2d, initWeight } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * torchvision's `MaskRCNNPredictor`: a 2×2 stride-2 transposed convolution with ReLU doubles the
 * head's 14×14 to 28×28, then a 1×1 convolution gives one mask logit map per class.
 * Variables `conv5_mask.weight` (stored `[2, 2, out, in]`, tfjs's transposed-convolution layout,
 * which the default layout rule maps from PyTorch's `[in, out, 2, 2]`), `conv5_mask.bias`,
 * `mask_fcn_logits.*`. Weights Kaiming-normal (fan out), biases zero.
 */
export class MaskRcnnPredictor implements HasVariables {
  readonly upsampleWeight: tf.Variable;
  readonly upsampleBias: tf.Variable;
  readonly logits: Conv2d;

  constructor(inChannels: number, dimReduced: number, numClasses: number, rng: Rng) {
    // PyTorch's fan_out of a ConvTranspose2d weight [in, out, kh, kw] is in·kh·kw.
    this.upsampleWeight = tf.variable(
      tf.tidy(() =>
        tf.transpose(
          initWeight(
            [inChannels, dimReduced, 2, 2],
            { fanIn: dimReduced * 4, fanOut: inChannels * 4 },
            'kaimingNormalFanOut',
            rng.fork('conv5_mask').fork('weight'),
          ),
          [2, 3, 1, 0],
        ),
      ),
    );
    this.upsampleBias = tf.variable(tf.zeros([dimReduced]));
    this.logits = new Conv2d({
      inChannels: dimReduced,
      outChannels: numClasses,
      kernelSize: 1,
      init: 'kaimingNormalFanOut',
      biasInit: 'zeros',
      rng: rng.fork('mask_fcn_logits'),
    });
  }

  /** `[R, 14, 14, C]` → `[R, 28, 28, K]` mask logits. */
  forward(features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [rois, height, width] = features.shape;
      const channels = this.upsampleBias.shape[0]!;
      const upsampled = tf.relu(
        tf.add(
          tf.conv2dTranspose(
            features,
            this.upsampleWeight as tf.Tensor4D,
            [rois, height * 2, width * 2, channels],
            2,
            'valid',
          ),
          this.upsampleBias,
        ),
      ) as tf.Tensor4D;
      return this.logits.forward(upsampled);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['conv5_mask.weight', this.upsampleWeight],
      ['conv5_mask.bias', this.upsampleBias],
      ['mask_fcn_logits', this.logits],
    ]);
  }
}
