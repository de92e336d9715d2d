import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { bench, describe } from 'vitest';
import { linearSumAssignment } from '../src/matcher/linear-assignment.js';
import { sinePositionEmbedding } from '../src/position/sine-position-embedding.js';
import { QueryEmbedding } from '../src/transformer/query-embedding.js';
import { TransformerDecoder } from '../src/transformer/decoder.js';

// `npm run bench -- detr`. Backend: SSDET_BENCH_BACKEND (default cpu).
await selectBackend({ request: (process.env['SSDET_BENCH_BACKEND'] ?? 'cpu') as 'cpu' });

function randomCosts(rows: number, cols: number, seed: number): Float64Array {
  const rng = Rng.fromSeed(seed);
  return Float64Array.from({ length: rows * cols }, () => rng.normal());
}

describe('Hungarian matcher (linearSumAssignment, float64)', () => {
  const small = randomCosts(100, 20, 1);
  const large = randomCosts(300, 50, 2);
  bench('100 queries × 20 targets', () => {
    linearSumAssignment(small, 100, 20);
  });
  bench('300 queries × 50 targets', () => {
    linearSumAssignment(large, 300, 50);
  });
});

describe('DETR decoder, d 256, 8 heads, FFN 2048, 6 layers, 100 queries, 16×16 memory, batch 2', () => {
  const rng = Rng.fromSeed(3);
  const d = 256;
  const decoder = new TransformerDecoder({
    dModel: d,
    numHeads: 8,
    dimFeedforward: 2048,
    numLayers: 6,
    rng,
  });
  const queries = new QueryEmbedding(100, d, rng);
  const memory = tf.randomNormal([2, 256, d], 0, 1, 'float32', 4) as tf.Tensor3D;
  const pos = tf.reshape(
    sinePositionEmbedding(tf.ones([2, 16, 16]) as tf.Tensor3D, { numPosFeats: d / 2 }),
    [2, 256, d],
  ) as tf.Tensor3D;
  const trainable = [...decoder.variables().values(), ...queries.variables().values()];
  bench(
    'forward + backward (training, dropout 0.1)',
    () => {
      const { value, grads } = tf.variableGrads(() => {
        const queryPos = tf.broadcastTo(tf.expandDims(queries.embeddings, 0), [2, 100, d]);
        const hs = decoder.apply(tf.zeros([2, 100, d]) as tf.Tensor3D, memory, {
          training: true,
          rng,
          pos,
          queryPos,
        });
        return tf.mean(tf.square(hs)) as tf.Scalar;
      }, trainable);
      value.dispose();
      tf.dispose(grads);
    },
    { iterations: 2, time: 0, warmupIterations: 1 },
  );
});
