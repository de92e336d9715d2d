import * as tf from '@tensorflow/tfjs-core';
import { assertFlattenedLength, levelStartIndex, type SpatialShapes } from './spatial-shapes.js';

/**
 * {@link msDeformAttnCore} composed of gather, mul, add and matMul, for backends without the fused
 * kernel (tfjs-node, WebGL, wasm): tfjs differentiates it with respect to the values, the
 * sampling locations and the attention weights. Every corner of every sampling point of every
 * level is one row of one gather, and the bilinear × attention weights contract with a batched
 * matMul — memory grows with samples × 4 corners × head dim, and on the cpu backend the gather's
 * gradient (UnsortedSegmentSum) costs a pass over its input per segment, hence the fused kernel.
 * The gather's integer rows come from a detached copy of the locations (one synchronous read):
 * tfjs has no stop-gradient, and an int32 path from a differentiated input into gather's indices
 * makes backprop throw. The corner weights use the live locations, so the gradient w.r.t.
 * locations is the bilinear one (floor contributes 0 either way).
 */
export function msDeformAttnByGather(
  value: tf.Tensor4D,
  spatialShapes: SpatialShapes,
  samplingLocations: tf.Tensor,
  attentionWeights: tf.Tensor,
): tf.Tensor3D {
  const [batch, length, heads, headDim] = value.shape;
  assertFlattenedLength(spatialShapes, length, 'msDeformAttnCore value');
  const [, numQueries, , numLevels, numPoints] = samplingLocations.shape as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const starts = levelStartIndex(spatialShapes);
  const detached = tf.tidy(() =>
    tf.tensor(samplingLocations.dataSync(), samplingLocations.shape, 'float32'),
  );
  const result = tf.tidy(() => {
    // One table of all heads' values: row (b·M + m)·S + s.
    const table = tf.reshape(tf.transpose(value, [0, 2, 1, 3]), [batch * heads * length, headDim]);
    const headBase = tf.reshape(tf.mul(tf.range(0, batch * heads, 1, 'float32'), length), [
      batch,
      1,
      heads,
      1,
    ]);
    const indices: tf.Tensor[] = [];
    const weights: tf.Tensor[] = [];
    spatialShapes.forEach(([height, width], level) => {
      const pixel = (locations: tf.Tensor): [tf.Tensor, tf.Tensor] => {
        const location = tf.reshape(
          tf.slice(locations, [0, 0, 0, level, 0, 0], [-1, -1, -1, 1, -1, -1]),
          [batch, numQueries, heads, numPoints, 2],
        );
        const [px, py] = tf.unstack(location, 4) as [tf.Tensor, tf.Tensor];
        return [tf.sub(tf.mul(px, width), 0.5), tf.sub(tf.mul(py, height), 0.5)];
      };
      const [x, y] = pixel(samplingLocations);
      const [xDetached, yDetached] = pixel(detached);
      const x0 = tf.floor(xDetached);
      const y0 = tf.floor(yDetached);
      const fx = tf.sub(x, x0);
      const fy = tf.sub(y, y0);
      const attention = tf.reshape(
        tf.slice(attentionWeights, [0, 0, 0, level, 0], [-1, -1, -1, 1, -1]),
        [batch, numQueries, heads, numPoints],
      );
      const levelBase = tf.add(headBase, starts[level]!);
      for (const dy of [0, 1]) {
        for (const dx of [0, 1]) {
          const xc = dx === 0 ? x0 : tf.add(x0, 1);
          const yc = dy === 0 ? y0 : tf.add(y0, 1);
          const inside = tf.cast(
            tf.logicalAnd(
              tf.logicalAnd(tf.greaterEqual(xc, 0), tf.lessEqual(xc, width - 1)),
              tf.logicalAnd(tf.greaterEqual(yc, 0), tf.lessEqual(yc, height - 1)),
            ),
            'float32',
          );
          const wx = dx === 0 ? tf.sub(1, fx) : fx;
          const wy = dy === 0 ? tf.sub(1, fy) : fy;
          weights.push(tf.mul(tf.mul(tf.mul(wx, wy), inside), attention));
          const row = tf.add(
            levelBase,
            tf.add(
              tf.mul(tf.clipByValue(yc, 0, height - 1), width),
              tf.clipByValue(xc, 0, width - 1),
            ),
          );
          indices.push(row);
        }
      }
    });
    const samples = numLevels * numPoints * 4;
    const rows = tf.cast(tf.concat(indices, 3), 'int32'); // [B, Lq, M, L·4·P]
    const gathered = tf.gather(table, tf.reshape(rows, [-1])); // [B·Lq·M·K, D_h]
    const contraction = tf.reshape(tf.concat(weights, 3), [batch * numQueries * heads, 1, samples]);
    const sampled = tf.matMul(
      contraction,
      tf.reshape(gathered, [batch * numQueries * heads, samples, headDim]),
    );
    return tf.reshape(sampled, [batch, numQueries, heads * headDim]) as tf.Tensor3D;
  });
  detached.dispose();
  return result;
}
