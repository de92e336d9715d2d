import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { LayerNorm, collectVariables } from '@ssdet/nn';
import { TransformerEncoderLayer, type EncoderLayerInputs } from './encoder-layer.js';
import type { TransformerLayerOptions } from './layer-options.js';

export interface TransformerEncoderOptions extends TransformerLayerOptions {
  readonly numLayers: number;
}

/**
 * DETR's `TransformerEncoder`: the layers in sequence, then a final LayerNorm only in pre-norm
 * mode (post-norm layers already end normalised). Variables `layers.{i}.*`, `norm.*`.
 */
export class TransformerEncoder implements HasVariables {
  readonly layers: readonly TransformerEncoderLayer[];
  readonly norm: LayerNorm | undefined;

  constructor(options: TransformerEncoderOptions) {
    this.layers = Array.from(
      { length: options.numLayers },
      () => new TransformerEncoderLayer(options),
    );
    this.norm = options.normalizeBefore === true ? new LayerNorm(options.dModel) : undefined;
  }

  apply(src: tf.Tensor3D, inputs: EncoderLayerInputs): tf.Tensor3D {
    return tf.tidy(() => {
      let x = src;
      for (const layer of this.layers) x = layer.apply(x, inputs);
      return this.norm === undefined ? x : (this.norm.forward(x) as tf.Tensor3D);
    });
  }

  variables(): NamedVariables {
    const children: Array<readonly [string, HasVariables]> = this.layers.map(
      (layer, i) => [`layers.${i}`, layer] as const,
    );
    if (this.norm !== undefined) children.push(['norm', this.norm]);
    return collectVariables(children);
  }
}
