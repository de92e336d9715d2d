import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, Linear } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * torchvision's `FastRCNNPredictor`: per RoI, `K` class logits (background is class 0) and
 * class-specific box deltas `[K·4]`. Variables: `cls_score.*`, `bbox_pred.*`.
 */
export class FastRcnnPredictor implements HasVariables {
  readonly classScore: Linear;
  readonly boxPrediction: Linear;

  constructor(
    inFeatures: number,
    readonly numClasses: number,
    rng: Rng,
  ) {
    this.classScore = new Linear({
      inFeatures,
      outFeatures: numClasses,
      rng: rng.fork('cls_score'),
      draw: 'forked',
    });
    this.boxPrediction = new Linear({
      inFeatures,
      outFeatures: numClasses * 4,
      rng: rng.fork('bbox_pred'),
      draw: 'forked',
    });
  }

  forward(features: tf.Tensor2D): { classLogits: tf.Tensor2D; boxDeltas: tf.Tensor2D } {
    return tf.tidy(() => ({
      classLogits: this.classScore.forward(features),
      boxDeltas: this.boxPrediction.forward(features),
    }));
  }

  variables(): NamedVariables {
    return collectVariables([
      ['cls_score', this.classScore],
      ['bbox_pred', this.boxPrediction],
    ]);
  }
}
