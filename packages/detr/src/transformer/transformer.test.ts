import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sinePositionEmbedding } from '../position/sine-position-embedding.js';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { readFixture, toBool } from '../test-support/fixtures.js';
import { TransformerDecoderLayer } from './decoder-layer.js';
import { TransformerEncoderLayer } from './encoder-layer.js';
import { Transformer } from './transformer.js';

interface CaseFixture {
  encoderLayer: { weights: Record<string, StoredArray>; output: StoredArray };
  decoderLayer: { weights: Record<string, StoredArray>; output: StoredArray };
  transformer: { weights: Record<string, StoredArray>; hs: StoredArray; memory: StoredArray };
}
interface TransformerFixture {
  dModel: number;
  numHeads: number;
  dimFeedforward: number;
  pixelMask: StoredArray;
  pos: StoredArray;
  posDeformable: StoredArray;
  src: StoredArray;
  query: StoredArray;
  tgtIn: StoredArray;
  memoryIn: StoredArray;
  tgtMask: StoredArray;
  cases: Record<'post' | 'pre', CaseFixture>;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixture = readFixture<TransformerFixture>('transformer.json');
const { dModel, numHeads, dimFeedforward } = fixture;
const base = { dModel, numHeads, dimFeedforward, dropout: 0.1, rng: Rng.fromSeed(4) };

function flatPos(): tf.Tensor3D {
  const pos = toTensor<tf.Rank.R4>(fixture.pos);
  return tf.reshape(pos, [pos.shape[0], -1, dModel]);
}
function keyPadding(): tf.Tensor2D {
  const mask = toTensor<tf.Rank.R3>(fixture.pixelMask);
  return tf.equal(tf.reshape(mask, [mask.shape[0], -1]), 0) as tf.Tensor2D;
}

describe('sine position embedding equals DETR / Deformable DETR PositionEmbeddingSine', () => {
  it('DETR (offset 0) and Deformable DETR (offset −0.5) with a padded image', () => {
    tf.tidy(() => {
      const mask = toTensor<tf.Rank.R3>(fixture.pixelMask);
      expectClose(sinePositionEmbedding(mask, { numPosFeats: dModel / 2 }), fixture.pos, 1e-5);
      // At padded columns Deformable DETR divides −0.5 by ε = 1e-6: phases ~1e6 rad, where float32
      // sin differs between libraries by ~1 ulp of the phase. Those positions are masked out
      // downstream, so compare where the pixel is image.
      const keep = tf.expandDims(mask, 3);
      expectClose(
        tf.mul(sinePositionEmbedding(mask, { numPosFeats: dModel / 2, offset: -0.5 }), keep),
        tf.mul(toTensor(fixture.posDeformable), keep),
        1e-5,
      );
    });
  });
});

for (const norm of ['post', 'pre'] as const) {
  describe(`${norm}-norm layers equal DETR's models/transformer.py (torch, same weights)`, () => {
    const data = fixture.cases[norm];
    const normalizeBefore = norm === 'pre';

    it('TransformerEncoderLayer with pos and key padding, within 1e-4', () => {
      const layer = new TransformerEncoderLayer({ ...base, normalizeBefore });
      assignStoredWeights(layer.variables(), data.encoderLayer.weights);
      tf.tidy(() => {
        const out = layer.apply(toTensor(fixture.memoryIn), {
          training: false,
          pos: flatPos(),
          keyPaddingMask: keyPadding(),
        });
        expectClose(out, data.encoderLayer.output);
      });
    });

    it('TransformerDecoderLayer with pos, query_pos, memory padding and a group tgt_mask, within 1e-4', () => {
      const layer = new TransformerDecoderLayer({ ...base, normalizeBefore });
      assignStoredWeights(layer.variables(), data.decoderLayer.weights);
      tf.tidy(() => {
        const out = layer.apply(toTensor(fixture.tgtIn), toTensor(fixture.memoryIn), {
          training: false,
          pos: flatPos(),
          queryPos: toTensor(fixture.query),
          memoryKeyPaddingMask: keyPadding(),
          tgtMask: toBool(fixture.tgtMask),
        });
        expectClose(out, data.decoderLayer.output);
      });
    });

    it('2+2-layer Transformer from tgt = 0: intermediate outputs (final norm applied) and memory', () => {
      const transformer = new Transformer({
        ...base,
        normalizeBefore,
        numEncoderLayers: 2,
        numDecoderLayers: 2,
      });
      assignStoredWeights(transformer.variables(), data.transformer.weights);
      tf.tidy(() => {
        const { hs, memory } = transformer.apply({
          src: toTensor(fixture.src),
          pixelMask: toTensor(fixture.pixelMask),
          pos: toTensor(fixture.pos),
          queryPos: toTensor(fixture.query),
          tgtMask: toBool(fixture.tgtMask),
          training: false,
        });
        expectClose(hs, data.transformer.hs);
        expectClose(memory, data.transformer.memory);
      });
    });
  });
}

describe('Transformer training', () => {
  it('gives gradients to queries and weights and leaks no tensors', () => {
    const transformer = new Transformer({ ...base, numEncoderLayers: 1, numDecoderLayers: 2 });
    const src = toTensor<tf.Rank.R4>(fixture.src);
    const pixelMask = toTensor<tf.Rank.R3>(fixture.pixelMask);
    const pos = toTensor<tf.Rank.R4>(fixture.pos);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const { hs, memory } = transformer.apply({
        src,
        pixelMask,
        pos,
        queryPos: toTensor(fixture.query),
        training: true,
        rng: Rng.fromSeed(5),
      });
      expect(hs.shape).toEqual([2, 2, 6, dModel]);
      return tf.add(tf.sum(tf.square(hs)), tf.sum(memory)) as tf.Scalar;
    }, [...transformer.variables().values()]);
    const names = [...transformer.variables().keys()];
    expect(names).toContain('decoder.layers.1.multihead_attn.in_proj_weight');
    // Layer 0's self-attention sees tgt = 0 (constant values), so its projection gets no gradient,
    // as in DETR; layer 1's does.
    for (const name of [
      'decoder.layers.1.self_attn.in_proj_weight',
      'encoder.layers.0.linear1.weight',
      'decoder.norm.weight',
    ]) {
      const grad = grads[transformer.variables().get(name)!.name]!;
      expect(
        tf.tidy(() => tf.sum(tf.abs(grad)).dataSync()[0]),
        name,
      ).toBeGreaterThan(0);
    }
    value.dispose();
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([src, pixelMask, pos]);
  });
});
