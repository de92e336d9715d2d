import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearProjectionParameterGroups } from './linear-projection-groups.js';

const names = [
  'input_proj.0.0.weight',
  'transformer.decoder.reference_points.weight',
  'transformer.encoder.layers.0.self_attn.sampling_offsets.bias',
  'transformer.encoder.layers.0.self_attn.value_proj.weight',
  'query_embed.weight',
];
let variables: Map<string, tf.Variable>;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  variables = new Map(names.map((name) => [name, tf.variable(tf.zeros([1]))]));
});

afterAll(() => {
  tf.dispose([...variables.values()]);
});

describe('linearProjectionParameterGroups', () => {
  it('puts reference_points and sampling_offsets at the multiplier, the rest at the learning rate', () => {
    const groups = linearProjectionParameterGroups(variables, 0.1);
    expect(groups.map((g) => g.name)).toEqual(['base', 'linear-proj']);
    expect([...groups[0]!.variables.keys()]).toEqual([names[0], names[3], names[4]]);
    expect(groups[0]!.lrMultiplier).toBeUndefined();
    expect([...groups[1]!.variables.keys()]).toEqual([names[1], names[2]]);
    expect(groups[1]!.lrMultiplier).toBe(0.1);
    expect(groups[1]!.variables.get(names[1]!)).toBe(variables.get(names[1]!));
  });

  it('has one group when no variable is a deformable sampling projection (DETR)', () => {
    const detr = new Map([...variables].filter(([name]) => !/reference|sampling/.test(name)));
    const groups = linearProjectionParameterGroups(detr, 0.1);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.variables.size).toBe(3);
  });
});
