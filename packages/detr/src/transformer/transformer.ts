import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables } from '@ssdet/core';
import { collectVariables, type DropoutContext } from '@ssdet/nn';
import { TransformerDecoder } from './decoder.js';
import { TransformerEncoder } from './encoder.js';
import type { TransformerLayerOptions } from './layer-options.js';

export interface TransformerOptions extends TransformerLayerOptions {
  /** DETR: 6. */
  readonly numEncoderLayers: number;
  /** DETR: 6. */
  readonly numDecoderLayers: number;
  /** Default true (DETR's `build_transformer`). */
  readonly returnIntermediate?: boolean;
}

export interface TransformerInputs extends DropoutContext {
  /** `[B, H, W, d]` projected backbone features. */
  readonly src: tf.Tensor4D;
  /** `[B, H, W]`, 1 = image, 0 = padding. */
  readonly pixelMask: tf.Tensor3D;
  /** `[B, H, W, d]` (e.g. {@link sinePositionEmbedding}). */
  readonly pos: tf.Tensor4D;
  /** `[Q, d]` learned queries, or `[B, Q, d]` per-image ones (UP-DETR adds patch features). */
  readonly queryPos: tf.Tensor;
  /** `[Q, Q]` decoder self-attention mask. */
  readonly tgtMask?: tf.Tensor;
}

export interface TransformerOutput {
  /** `[L, B, Q, d]`: every decoder layer's (normed) output when returnIntermediate, else L = 1. */
  readonly hs: tf.Tensor4D;
  /** `[B, H, W, d]` encoder output. */
  readonly memory: tf.Tensor4D;
}

/**
 * DETR's `Transformer` (Carion et al., ECCV 2020): the encoder over the flattened feature map
 * with its sine positions, then the decoder from tgt = 0 with the object queries as query_pos.
 * Initialised as DETR's `_reset_parameters` (Xavier-uniform matrices) unless `init` says
 * otherwise (`TransformerLayerOptions.init`).
 * Variables `encoder.*`, `decoder.*`, as DETR's `transformer.*` state dict.
 */
export class Transformer implements HasVariables {
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly dModel: number;

  constructor(options: TransformerOptions) {
    this.dModel = options.dModel;
    this.encoder = new TransformerEncoder({ ...options, numLayers: options.numEncoderLayers });
    this.decoder = new TransformerDecoder({
      ...options,
      numLayers: options.numDecoderLayers,
      returnIntermediate: options.returnIntermediate ?? true,
    });
  }

  apply(inputs: TransformerInputs): TransformerOutput {
    const [batch, height, width, d] = inputs.src.shape;
    const context: DropoutContext =
      inputs.rng === undefined
        ? { training: inputs.training }
        : { training: inputs.training, rng: inputs.rng };
    const result = tf.tidy(() => {
      const src = tf.reshape(inputs.src, [batch, height * width, d]) as tf.Tensor3D;
      const pos = tf.reshape(inputs.pos, [batch, height * width, d]) as tf.Tensor3D;
      const keyPaddingMask = tf.logicalNot(
        tf.cast(tf.reshape(inputs.pixelMask, [batch, height * width]), 'bool'),
      ) as tf.Tensor2D;
      const memory = this.encoder.apply(src, { ...context, pos, keyPaddingMask });
      const numQueries = inputs.queryPos.shape[inputs.queryPos.rank - 2]!;
      const queryPos =
        inputs.queryPos.rank === 2
          ? tf.broadcastTo(tf.expandDims(inputs.queryPos, 0), [batch, numQueries, d])
          : inputs.queryPos;
      const tgt = tf.zeros([batch, numQueries, d]) as tf.Tensor3D;
      const hs = this.decoder.apply(tgt, memory, {
        ...context,
        pos,
        queryPos,
        memoryKeyPaddingMask: keyPaddingMask,
        ...(inputs.tgtMask === undefined ? {} : { tgtMask: inputs.tgtMask }),
      });
      return { hs, memory: tf.reshape(memory, [batch, height, width, d]) as tf.Tensor4D };
    });
    return result;
  }

  variables(): NamedVariables {
    return collectVariables([
      ['encoder', this.encoder],
      ['decoder', this.decoder],
    ]);
  }
}
