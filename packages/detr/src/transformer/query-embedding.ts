import type * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, initWeight, variableFrom } from '@ssdet/nn';

/**
 * DETR's learned object queries, `nn.Embedding(numQueries, dim)` initialised N(0, 1):
 * variable `weight` `[numQueries, dim]`. Deformable DETR uses dim = 2d (query_pos ‖ tgt).
 */
export class QueryEmbedding implements HasVariables {
  readonly weight: tf.Variable;

  constructor(
    readonly numQueries: number,
    readonly dim: number,
    rng: Rng,
  ) {
    this.weight = variableFrom(() =>
      initWeight([numQueries, dim], { fanIn: dim, fanOut: numQueries }, 'standardNormal', rng),
    );
  }

  /** `[numQueries, dim]` (the variable itself; reading it keeps it in the gradient tape). */
  get embeddings(): tf.Tensor2D {
    return this.weight as unknown as tf.Tensor2D;
  }

  variables(): NamedVariables {
    return collectVariables([['weight', this.weight]]);
  }
}
