import * as tf from '@tensorflow/tfjs-core';
import { Rng, createMethod, selectBackend } from '@ssdet/core';
import { expectOfficialInit, readOfficialInit } from '@ssdet/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { detregConfigSchema } from './config.js';
import type { DetregMethod } from './method.js';
import { plugin } from './plugin.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** `MSDeformAttn._reset_parameters`' sampling_offsets bias: head h's unit direction × (point + 1). */
function officialOffsetGrid(heads: number, levels: number, points: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < heads; h++) {
    const theta = Math.fround(h * Math.fround((2 * Math.PI) / heads));
    const [c, s] = [Math.fround(Math.cos(theta)), Math.fround(Math.sin(theta))];
    const scale = Math.max(Math.abs(c), Math.abs(s));
    for (let l = 0; l < levels; l++)
      for (let p = 0; p < points; p++) out.push((c / scale) * (p + 1), (s / scale) * (p + 1));
  }
  return out;
}

describe("DETReg initialisation (Deformable DETR's, amirbar/DETReg)", () => {
  it('draws the full-size detector as fixtures/init/detreg.json records the official one', () => {
    const config = detregConfigSchema.parse({ backboneWeights: 'random' });
    const method = createMethod(plugin, config, Rng.fromSeed(1)) as DetregMethod;
    const records = readOfficialInit('detreg');
    const variables = method.model.detectorVariables();
    // Not a single distribution each: checked below.
    const special = [...variables.keys()].filter(
      (name) =>
        name.endsWith('sampling_offsets.bias') ||
        name === 'bbox_embed.layers.2.bias' ||
        name === 'class_embed.bias',
    );
    expect(special.length).toBe(14);
    expect([...variables.keys()].filter((n) => !special.includes(n)).sort()).toEqual(
      records.map((record) => record.name).sort(),
    );
    expectOfficialInit(variables, records);

    expect(Array.from(variables.get('bbox_embed.layers.2.bias')!.dataSync())).toEqual([
      0, 0, -2, -2,
    ]);
    const prior = Math.fround(-Math.log((1 - 0.01) / 0.01));
    const classBias = Array.from(variables.get('class_embed.bias')!.dataSync());
    expect(classBias.length).toBe(91);
    expect(classBias.every((v) => v === prior)).toBe(true);
    const grid = officialOffsetGrid(8, 4, 4);
    for (const name of special.filter((n) => n.endsWith('sampling_offsets.bias'))) {
      const values = Array.from(variables.get(name)!.dataSync());
      expect(values.length, name).toBe(grid.length);
      values.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(grid[i]!, 5));
    }
    tf.dispose([...method.variables().values()]);
  });
});
