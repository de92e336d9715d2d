import { Rng, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETCO_STAGES, DetcoHeads, type DetcoStage } from './heads.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** Every head made the identity on non-negative inputs: W = I (D = input width), b = 0. */
function identityHeads(): DetcoHeads {
  const heads = new DetcoHeads({
    channels: [2, 2, 2, 2],
    patches: 2,
    outDim: 4,
    hiddenScale: 1,
    rng: Rng.fromSeed(0),
  });
  for (const [name, variable] of heads.variables()) {
    tf.tidy(() => {
      if (name.endsWith('.bias')) return variable.assign(tf.zerosLike(variable));
      // [in, out]: the identity on the first min(in, out) features.
      const [rows, columns] = variable.shape as [number, number];
      variable.assign(tf.eye(rows, columns));
    });
  }
  return heads;
}

/** Maps [B, 2, 2, 2] whose spatial mean over each channel is `means[b][c]`. */
function mapsWithMeans(means: number[][]): tf.Tensor4D {
  const values = means.flatMap((channels) => {
    const pixel = (offset: number) => channels.map((mean) => mean + offset);
    return [pixel(1), pixel(-1), pixel(2), pixel(-2)].flat(); // offsets average to 0
  });
  return tf.tensor4d(values, [means.length, 2, 2, 2]);
}

const perStage = (map: () => tf.Tensor4D) => {
  const out = {} as Record<DetcoStage, tf.Tensor4D>;
  for (const stage of DETCO_STAGES) out[stage] = map();
  return out;
};

describe('DetcoHeads', () => {
  it('has the port’s names and widths: C → C → D global, P·C → P·C → D local, per stage', () => {
    const heads = new DetcoHeads({
      channels: [4, 8, 16, 32],
      patches: 9,
      outDim: 8,
      hiddenScale: 1,
      rng: Rng.fromSeed(1),
    });
    const shapes = Object.fromEntries([...heads.variables()].map(([name, v]) => [name, v.shape]));
    expect(Object.keys(shapes)).toHaveLength(32);
    expect(shapes['global_mlps.0.mlp.0.weight']).toEqual([4, 4]);
    expect(shapes['global_mlps.3.mlp.2.weight']).toEqual([32, 8]);
    expect(shapes['local_mlps.1.mlp.0.weight']).toEqual([72, 72]);
    expect(shapes['local_mlps.3.mlp.0.bias']).toEqual([288]);
    expect(shapes['local_mlps.3.mlp.2.weight']).toEqual([288, 8]);
    const halved = new DetcoHeads({
      channels: [4, 8, 16, 32],
      patches: 9,
      outDim: 8,
      hiddenScale: 0.5,
      rng: Rng.fromSeed(1),
    });
    expect(halved.variables().get('local_mlps.3.mlp.0.weight')!.shape).toEqual([288, 144]);
    tf.dispose([...heads.variables().values(), ...halved.variables().values()]);
  });

  it('draws the port’s PyTorch-default Linear init, or kaiming-normal with zero biases', () => {
    const options = {
      channels: [8, 8, 8, 64] as [number, number, number, number],
      patches: 9,
      outDim: 8,
      hiddenScale: 1,
    };
    const port = new DetcoHeads({ ...options, rng: Rng.fromSeed(2) });
    const kaiming = new DetcoHeads({
      ...options,
      linearInit: 'kaimingNormalFanIn',
      rng: Rng.fromSeed(2),
    });
    const stats = (heads: DetcoHeads, name: string) => {
      const values = heads.variables().get(name)!.dataSync();
      let [sum, squares, maxAbs] = [0, 0, 0];
      for (const v of values)
        [sum, squares, maxAbs] = [sum + v, squares + v * v, Math.max(maxAbs, Math.abs(v))];
      return { std: Math.sqrt(squares / values.length - (sum / values.length) ** 2), maxAbs };
    };
    // local res5: Linear(576, 576). PyTorch's default is U(±1/√576): std 1/(24·√3), never beyond 1/24.
    const uniform = stats(port, 'local_mlps.3.mlp.0.weight');
    expect(uniform.maxAbs).toBeLessThanOrEqual(1 / 24 + 1e-7);
    expect(uniform.std).toBeCloseTo(1 / (24 * Math.sqrt(3)), 3);
    expect(stats(port, 'local_mlps.3.mlp.0.bias').maxAbs).toBeGreaterThan(0);
    // kaiming: N(0, 2/576), std √2/24, with a normal's tail (beyond 3σ somewhere); biases 0.
    const normal = stats(kaiming, 'local_mlps.3.mlp.0.weight');
    expect(normal.std).toBeCloseTo(Math.SQRT2 / 24, 3);
    expect(normal.maxAbs).toBeGreaterThan((3 * Math.SQRT2) / 24);
    expect(stats(kaiming, 'local_mlps.3.mlp.0.bias').maxAbs).toBe(0);
    expect(stats(kaiming, 'global_mlps.0.mlp.2.bias').maxAbs).toBe(0);
    tf.dispose([...port.variables().values(), ...kaiming.variables().values()]);
  });

  it('pools each map, and concatenates a set’s patch features in the set’s order (by hand)', () => {
    const heads = identityHeads();
    // Global: image means (3, 5) and (7, 11) → the embeddings, padded with zeros to D = 4.
    const global = heads.global(
      perStage(() =>
        mapsWithMeans([
          [3, 5],
          [7, 11],
        ]),
      ),
    );
    expect(global.res3.arraySync()).toEqual([
      [3, 5, 0, 0],
      [7, 11, 0, 0],
    ]);
    // Local, image-major: image 0's patches (1, 2), (3, 4); image 1's (5, 6), (7, 8) → [p0 | p1].
    const local = heads.local(
      perStage(() =>
        mapsWithMeans([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ]),
      ),
    );
    expect(local.res5.arraySync()).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    tf.dispose([...Object.values(global), ...Object.values(local), ...heads.variables().values()]);
  });

  it('refuses maps of the wrong width or incomplete patch sets, naming the stage', () => {
    const heads = identityHeads();
    const wrongWidth = perStage(() => tf.zeros([2, 2, 2, 3]) as tf.Tensor4D);
    expect(() => heads.global(wrongWidth)).toThrow(/res2 maps \[N, h, w, 2\]; got \[2, 2, 2, 3\]/);
    const incomplete = perStage(() => tf.zeros([3, 2, 2, 2]) as tf.Tensor4D);
    expect(() => heads.local(incomplete)).toThrow(/3 patch maps at res2 are not whole sets of 2/);
    // Pooled features for the heads: [N, C] global, [N, P·C] local (C = 2, P = 2 here).
    const pooled = {} as Record<DetcoStage, tf.Tensor2D>;
    for (const stage of DETCO_STAGES) pooled[stage] = tf.zeros([2, 2]);
    expect(() => heads.projectLocal(pooled)).toThrow(
      /local expects res2 features \[N, 4\]; got \[2, 2\]/,
    );
    tf.dispose(Object.values(heads.projectGlobal(pooled)));
    tf.dispose([
      ...Object.values(pooled),
      ...Object.values(wrongWidth),
      ...Object.values(incomplete),
      ...heads.variables().values(),
    ]);
  });
});
