import { Rng, createMethod, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { updetrConfigSchema } from './config.js';
import type { UpdetrMethod } from './method.js';
import { plugin } from './plugin.js';
import { expectOfficialInit, readOfficialInit } from '@ssdet/test-support';
import { tinyConfig } from './test-support/tiny.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe("UP-DETR initialisation (DETR's Transformer._reset_parameters)", () => {
  it('defaults to the official recipe: Xavier-uniform transformer matrices', () => {
    expect(updetrConfigSchema.parse({}).init).toEqual({ transformer: 'xavierUniform' });
  });

  it('draws the full-size detector (transformer, heads, queries) as fixtures/init/updetr.json records the official one', () => {
    const config = updetrConfigSchema.parse({ backboneWeights: 'random' });
    const method = createMethod(plugin, config, Rng.fromSeed(1)) as UpdetrMethod;
    const records = readOfficialInit('updetr');
    const variables = method.model.detectorVariables();
    expect([...variables.keys()].sort()).toEqual(records.map((record) => record.name).sort());
    expectOfficialInit(variables, records);
    tf.dispose([...method.variables().values()]);
  });

  it('init.transformer "pytorchDefault" skips the reset: out_proj and FFN weights U(±1/√fan_in)', () => {
    const config = tinyConfig({ init: { transformer: 'pytorchDefault' } });
    const method = createMethod(plugin, config, Rng.fromSeed(2)) as UpdetrMethod;
    const xavier = createMethod(plugin, tinyConfig(), Rng.fromSeed(2)) as UpdetrMethod;
    const name = 'transformer.decoder.layers.1.multihead_attn.out_proj.weight';
    const maxAbs = (m: UpdetrMethod): number =>
      tf.tidy(() => tf.max(tf.abs(m.model.detectorVariables().get(name)!)).dataSync()[0]!);
    const d = config.transformer.dModel;
    // Same stream: the same uniform draws scaled to 1/√d and to √(6/2d) = √3/√d.
    expect(maxAbs(method)).toBeLessThanOrEqual(1 / Math.sqrt(d));
    expect(maxAbs(xavier) / maxAbs(method)).toBeCloseTo(Math.sqrt(3), 4);
    tf.dispose([...method.variables().values(), ...xavier.variables().values()]);
  });
});
