import type * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiheadAttention } from '../attention/multihead-attention.js';
import { DeformableTransformer } from '../deformable/deformable-transformer.js';
import { Transformer } from './transformer.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function sampleStats(tensor: tf.Tensor): { mean: number; std: number; maxAbs: number } {
  const values = Array.from(tensor.dataSync());
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, maxAbs: values.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
}

/** U(±bound): inside the bound, reaching near it, σ = bound/√3 within 6 standard errors. */
function expectUniform(name: string, tensor: tf.Tensor, bound: number): void {
  const { std, maxAbs } = sampleStats(tensor);
  expect(maxAbs, `${name}: max |x| ≤ ${bound}`).toBeLessThanOrEqual(bound * (1 + 1e-6));
  if (tensor.size >= 1000)
    expect(maxAbs, `${name}: reaches the bound`).toBeGreaterThan(0.95 * bound);
  const expected = bound / Math.sqrt(3);
  expect(Math.abs(std - expected), `${name}: std ${std} vs ${expected}`).toBeLessThan(
    (6 * 0.45 * expected) / Math.sqrt(tensor.size),
  );
}

function expectConstant(name: string, tensor: tf.Tensor, value: number): void {
  expect(
    Array.from(tensor.dataSync()).every((x) => x === value),
    `${name} = ${value}`,
  ).toBe(true);
}

const xavierBound = (weight: tf.Tensor): number =>
  Math.sqrt(6 / (weight.shape[0]! + weight.shape[1]!)); // [in, out]: fan_in + fan_out
const pytorchDefaultBound = (fanIn: number): number => 1 / Math.sqrt(fanIn);

describe("DETR transformer initialisation (models/transformer.py's _reset_parameters)", () => {
  const options = {
    dModel: 64,
    numHeads: 4,
    dimFeedforward: 256,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    normalizeBefore: true,
  };

  it('xavierUniform (default): every matrix U(±√(6/(fan_in + fan_out))), out_proj included; biases and norms as their modules build them', () => {
    const transformer = new Transformer({ ...options, rng: Rng.fromSeed(1) });
    const variables = transformer.variables();
    const outProjections = [...variables.keys()].filter((name) => name.endsWith('out_proj.weight'));
    expect(outProjections).toHaveLength(2 + 2 * 2); // encoder self-attn, decoder self- and cross-attn
    for (const [name, variable] of variables) {
      if (variable.rank === 2) {
        expectUniform(name, variable, xavierBound(variable));
      } else if (/(in_proj_bias|out_proj\.bias)$/.test(name)) {
        expectConstant(name, variable, 0);
      } else if (/linear1\.bias$/.test(name)) {
        expectUniform(name, variable, pytorchDefaultBound(options.dModel));
      } else if (/linear2\.bias$/.test(name)) {
        expectUniform(name, variable, pytorchDefaultBound(options.dimFeedforward));
      } else if (/norm\d?\.weight$/.test(name)) {
        expectConstant(name, variable, 1);
      } else {
        expect(name).toMatch(/norm\d?\.bias$/);
        expectConstant(name, variable, 0);
      }
    }
    // The output projection's bound is √3 times nn.Linear's 1/√d: the two are told apart.
    expect(
      sampleStats(variables.get('decoder.layers.1.multihead_attn.out_proj.weight')!).maxAbs,
    ).toBeGreaterThan(1.5 * pytorchDefaultBound(options.dModel));
  });

  it('pytorchDefault: out_proj and the FFN as nn.Linear draws them, U(±1/√fan_in); the packed projection stays Xavier', () => {
    const transformer = new Transformer({
      ...options,
      init: 'pytorchDefault',
      rng: Rng.fromSeed(1),
    });
    const variables = transformer.variables();
    for (const [name, variable] of variables) {
      if (variable.rank !== 2) continue;
      if (name.endsWith('in_proj_weight')) expectUniform(name, variable, xavierBound(variable));
      else expectUniform(name, variable, pytorchDefaultBound(variable.shape[0]!));
    }
  });

  it("a bare MultiheadAttention keeps torch.nn.MultiheadAttention's out_proj init unless asked", () => {
    const plain = new MultiheadAttention({ embedDim: 64, numHeads: 4, rng: Rng.fromSeed(2) });
    expectUniform('out_proj.weight', plain.outProj.weight, pytorchDefaultBound(64));
    const xavier = new MultiheadAttention({
      embedDim: 64,
      numHeads: 4,
      outProjInit: 'xavierUniform',
      rng: Rng.fromSeed(2),
    });
    expectUniform('out_proj.weight', xavier.outProj.weight, Math.sqrt(6 / 128));
    expectConstant('out_proj.bias', xavier.outProj.bias!, 0);
  });
});

describe("Deformable DETR transformer initialisation (deformable_transformer.py's _reset_parameters)", () => {
  it('Xavier matrices (decoder self-attention out_proj included), zero offset/attention weights, N(0, 1) level embedding', () => {
    const d = 64;
    const transformer = new DeformableTransformer({
      dModel: d,
      dimFeedforward: 128,
      numLevels: 2,
      numHeads: 4,
      numPoints: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      rng: Rng.fromSeed(3),
    });
    for (const [name, variable] of transformer.variables()) {
      if (/(sampling_offsets|attention_weights)\.weight$/.test(name)) {
        expectConstant(name, variable, 0);
      } else if (name === 'level_embed') {
        const { std } = sampleStats(variable);
        expect(Math.abs(std - 1), name).toBeLessThan((6 * 0.71) / Math.sqrt(variable.size));
      } else if (variable.rank === 2) {
        expectUniform(name, variable, xavierBound(variable));
      } else if (
        /((attention_weights|value_proj|output_proj|out_proj|reference_points)\.bias|in_proj_bias)$/.test(
          name,
        )
      ) {
        expectConstant(name, variable, 0);
      }
    }
  });
});
