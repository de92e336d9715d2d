import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { ResNet, disposeVariables } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeformableDetrModel, type DeformableDetrModelOptions } from './deformable-detr-model.js';

let backbone: ResNet;

function options(numLevels: number, seed = 3): DeformableDetrModelOptions {
  return {
    backbone,
    dModel: 32,
    numHeads: 4,
    dimFeedforward: 32,
    encoderLayers: 1,
    decoderLayers: 2,
    dropout: 0.1,
    numLevels,
    numPoints: 2,
    numQueries: 5,
    numClasses: 2,
    rng: Rng.fromSeed(seed),
  };
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  backbone = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(1) });
});

afterAll(() => {
  disposeVariables(backbone);
});

describe('DeformableDetrModel', () => {
  it('decodes every layer for every query, with reference points inside the image, and leaks nothing', () => {
    const model = new DeformableDetrModel(options(4));
    const images = tf.randomNormal([2, 64, 48, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const pixelMask = tf.tidy(
      () => tf.concat([tf.ones([2, 64, 40]), tf.zeros([2, 64, 8])], 2) as tf.Tensor3D,
    );
    const before = tf.memory().numTensors;
    const { hs, referencePoints } = model.decode({ images, pixelMask, training: false });
    expect(tf.memory().numTensors - before).toBe(2);
    expect(hs.shape).toEqual([2, 2, 5, 32]);
    expect(referencePoints.shape).toEqual([2, 5, 2]);
    for (const p of referencePoints.dataSync()) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    const again = model.decode({ images, pixelMask, training: false });
    expect(Array.from(again.hs.dataSync())).toEqual(Array.from(hs.dataSync()));
    tf.dispose([hs, referencePoints, again.hs, again.referencePoints, images, pixelMask]);
    disposeVariables(model);
  });

  it('names the detector variables officially, never the backbone, and reads only the last levels', () => {
    const model = new DeformableDetrModel(options(2));
    const names = [...model.variables().keys()];
    expect(names).toContain('query_embed.weight');
    expect(names).toContain('class_embed.weight');
    expect(names).toContain('bbox_embed.layers.2.bias');
    expect(names).toContain('transformer.decoder.layers.1.cross_attn.sampling_offsets.weight');
    expect(names.some((n) => n.startsWith('backbone') || n.startsWith('body'))).toBe(false);
    expect(
      names.every((n) => /^(input_proj|transformer|class_embed|bbox_embed|query_embed)\./.test(n)),
    ).toBe(true);
    // numLevels 2: C4 and C5 (not C3) feed input_proj.
    expect(model.inputProj.backboneChannels).toEqual(
      ['C4', 'C5'].map((name) => backbone.levels.find((l) => l.name === name)!.channels),
    );
    expect(model.queries.embeddings.shape).toEqual([5, 64]);
    disposeVariables(model);
  });

  it('draws each part from its own rng fork: the same seed gives the same weights', () => {
    const a = new DeformableDetrModel(options(4, 9));
    const b = new DeformableDetrModel(options(4, 9));
    const c = new DeformableDetrModel(options(4, 10));
    const weight = (m: DeformableDetrModel) => Array.from(m.queries.embeddings.dataSync());
    expect(weight(a)).toEqual(weight(b));
    expect(weight(a)).not.toEqual(weight(c));
    for (const m of [a, b, c]) disposeVariables(m);
  });
});
