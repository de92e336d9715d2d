import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { LayerNorm, collectVariables } from '@ssdet/nn';
import { TransformerDecoderLayer, type DecoderLayerInputs } from './decoder-layer.js';
import type { TransformerLayerOptions } from './layer-options.js';

export interface TransformerDecoderOptions extends TransformerLayerOptions {
  readonly numLayers: number;
  /** Return every layer's output (for auxiliary losses); DETR builds its decoder with true. */
  readonly returnIntermediate?: boolean;
}

/**
 * DETR's `TransformerDecoder` with its final LayerNorm (`norm.*`, present in both norm modes).
 * With `returnIntermediate`, the output stacks LN(output of layer ℓ) for every layer — the
 * last entry is the normed final output — as `[numLayers, B, Q, d]`; otherwise `[1, B, Q, d]`.
 */
export class TransformerDecoder implements HasVariables {
  readonly layers: readonly TransformerDecoderLayer[];
  readonly norm: LayerNorm;
  readonly returnIntermediate: boolean;

  constructor(options: TransformerDecoderOptions) {
    this.layers = Array.from(
      { length: options.numLayers },
      () => new TransformerDecoderLayer(options),
    );
    this.norm = new LayerNorm(options.dModel);
    this.returnIntermediate = options.returnIntermediate ?? true;
  }

  apply(tgt: tf.Tensor3D, memory: tf.Tensor3D, inputs: DecoderLayerInputs): tf.Tensor4D {
    return tf.tidy(() => {
      let x = tgt;
      const intermediate: tf.Tensor[] = [];
      for (const layer of this.layers) {
        x = layer.apply(x, memory, inputs);
        if (this.returnIntermediate) intermediate.push(this.norm.forward(x));
      }
      if (this.returnIntermediate) return tf.stack(intermediate) as tf.Tensor4D;
      return tf.expandDims(this.norm.forward(x), 0) as tf.Tensor4D;
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ...this.layers.map((layer, i) => [`layers.${i}`, layer] as const),
      ['norm', this.norm] as const,
    ]);
  }
}
