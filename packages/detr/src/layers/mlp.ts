import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import { Linear, type LinearInit } from './linear.js';
import { collectVariables } from './named-variables.js';

export interface MlpOptions {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly outputDim: number;
  readonly numLayers: number;
  readonly rng: Rng;
  readonly init?: LinearInit;
}

/**
 * DETR's `MLP` ("FFN"): `numLayers` Linear layers with ReLU between them (not after the last).
 * Variables: `layers.{i}.weight`, `layers.{i}.bias` — DETR's `bbox_embed` and UP-DETR's
 * `feature_align` use this layout.
 */
export class Mlp implements HasVariables {
  readonly layers: readonly Linear[];

  constructor(options: MlpOptions) {
    if (!Number.isInteger(options.numLayers) || options.numLayers < 1) {
      throw new SsdetError(
        'DETR_MLP_LAYERS',
        `Mlp: numLayers must be a positive integer; got ${options.numLayers}.`,
      );
    }
    const hidden = Array.from({ length: options.numLayers - 1 }, () => options.hiddenDim);
    const inputs = [options.inputDim, ...hidden];
    const outputs = [...hidden, options.outputDim];
    this.layers = inputs.map(
      (inFeatures, i) =>
        new Linear({
          inFeatures,
          outFeatures: outputs[i]!,
          rng: options.rng,
          ...(options.init === undefined ? {} : { init: options.init }),
        }),
    );
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      this.layers.forEach((layer, i) => {
        y = layer.apply(y);
        if (i < this.layers.length - 1) y = tf.relu(y);
      });
      return y;
    });
  }

  variables(): NamedVariables {
    return collectVariables(this.layers.map((layer, i) => [`layers.${i}`, layer] as const));
  }
}
