import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { WeightInit } from './initializers.js';
import { Linear } from './linear.js';
import { collectVariables } from './named-variables.js';

export interface MlpOptions {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly outputDim: number;
  readonly numLayers: number;
  /** Every layer's values are drawn from it in turn (weight, bias, next layer). */
  readonly rng: Rng;
  /** The layers' weight init; default `pytorchDefault`. */
  readonly init?: WeightInit;
}

/**
 * DETR's `MLP` ("FFN"): `numLayers` {@link Linear} layers with ReLU between them (not after the
 * last), over the last axis of any-rank input. Variables `layers.{i}.weight`, `layers.{i}.bias`
 * — the layout of DETR's `bbox_embed` and UP-DETR's `feature_align`. (The BN projector of
 * self-supervised methods, named like an `nn.Sequential`, is {@link MlpHead}.)
 */
export class Mlp implements HasVariables {
  readonly layers: readonly Linear[];

  constructor(options: MlpOptions) {
    if (!Number.isInteger(options.numLayers) || options.numLayers < 1) {
      throw new SsdetError(
        'NN_BAD_OPTION',
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

  /** `[…, inputDim]` → `[…, outputDim]`. */
  forward<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() =>
      this.layers.reduce<T>((y, layer, i) => {
        const out = layer.forward(y);
        return i < this.layers.length - 1 ? tf.relu(out) : out;
      }, x),
    );
  }

  /** {@link forward} under the name the modules of `@ssdet/detr` call their layers by. */
  apply<T extends tf.Tensor>(x: T): T {
    return this.forward(x);
  }

  variables(): NamedVariables {
    return collectVariables(this.layers.map((layer, i) => [`layers.${i}`, layer] as const));
  }
}
