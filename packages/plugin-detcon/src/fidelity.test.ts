import { selectBackend } from '@ssdet/core';
import { expectClose, relativeError, toTensor } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { contrastiveDetection } from './losses/contrastive-detection.js';
import { DetconBLoss } from './losses/detcon-b-loss.js';
import { DetconSLoss } from './losses/detcon-s-loss.js';
import { maskGrid } from './masks/mask-grid.js';
import { poolMasked, sampledMasks } from './masks/pool-masked.js';
import { readDetconGolden, rowsOf } from './test-support/golden.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const golden = readDetconGolden();

describe('mask grid = official create_binary_mask (one-hot → 32 × 32 average pool → argmax)', () => {
  for (const { name, masks, grid } of golden.grids) {
    it(`${name}: the same id in every cell`, () => {
      const [b, h, w] = masks.shape as [number, number, number];
      const cells = grid.shape[1]!;
      for (let i = 0; i < b; i++) {
        const labels = Int32Array.from(masks.data.slice(i * h * w, (i + 1) * h * w));
        const ours = maskGrid({ width: w, height: h, labels }, golden.cell, golden.maxMaskId);
        expect(ours.width * ours.height).toBe(cells);
        expect(Array.from(ours.ids)).toEqual(grid.data.slice(i * cells, (i + 1) * cells));
      }
    });
  }
});

describe('mask pooling = official masks / max(area, 1) @ features, with its gradient', () => {
  it('pools the fixed sampled ids, and back-propagates the cotangent to the feature map', () => {
    const { features, grid, ids, pooled, cotangent, gradFeatures } = golden.pooling;
    const masks = sampledMasks(rowsOf(grid), rowsOf(ids));
    const [b, k] = ids.shape as [number, number];
    const cells = grid.shape[1]!;
    const x = toTensor<tf.Rank.R4>(features);
    const m = tf.tensor3d(masks, [b, k, cells]);
    const out = poolMasked(x, m);
    expectClose(out, pooled, 1e-5, { relative: 'element', label: 'pooled ' });
    const grad = tf.grad((f: tf.Tensor) =>
      tf.sum(tf.mul(poolMasked(f as tf.Tensor4D, m), toTensor(cotangent))),
    )(x);
    expectClose(grad, gradFeatures, 1e-5, { relative: 'element', label: 'grad ' });
    tf.dispose([x, m, out, grad]);
  });
});

describe('DetCon losses = byol_nce_detcon (official) / DetConSLoss (lightly), with gradients', () => {
  for (const fixture of golden.losses) {
    it(`${fixture.name}: loss and gradients within 1e-4 relative`, () => {
      const ids = [rowsOf(fixture.ids1), rowsOf(fixture.ids2)] as const;
      const t = (name: string) => toTensor<tf.Rank.R3>(fixture.inputs[name]!);
      if (fixture.variant === 'b') {
        const loss = new DetconBLoss(fixture.temperature);
        const [target1, target2] = [t('target1'), t('target2')];
        const f = (p1: tf.Tensor3D, p2: tf.Tensor3D) =>
          loss.compute({ predictions: [p1, p2], targets: [target1, target2], maskIds: ids });
        const [p1, p2] = [t('pred1'), t('pred2')];
        const value = f(p1, p2);
        expect(relativeError([value.dataSync()[0]!], [fixture.loss])).toBeLessThanOrEqual(1e-4);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          f(a as tf.Tensor3D, b as tf.Tensor3D),
        )([p1, p2]);
        expect(relativeError(grads[0]!, fixture.grads['pred1']!)).toBeLessThanOrEqual(1e-4);
        expect(relativeError(grads[1]!, fixture.grads['pred2']!)).toBeLessThanOrEqual(1e-4);
        tf.dispose([target1, target2, p1, p2, value, ...grads]);
      } else {
        const loss = new DetconSLoss(fixture.temperature);
        const f = (z1: tf.Tensor3D, z2: tf.Tensor3D) =>
          loss.compute({ projections: [z1, z2], maskIds: ids });
        const [z1, z2] = [t('z1'), t('z2')];
        const value = f(z1, z2);
        expect(relativeError([value.dataSync()[0]!], [fixture.loss])).toBeLessThanOrEqual(1e-4);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          f(a as tf.Tensor3D, b as tf.Tensor3D),
        )([z1, z2]);
        expect(relativeError(grads[0]!, fixture.grads['z1']!)).toBeLessThanOrEqual(1e-4);
        expect(relativeError(grads[1]!, fixture.grads['z2']!)).toBeLessThanOrEqual(1e-4);
        tf.dispose([z1, z2, value, ...grads]);
      }
    });
  }

  it('DetCon-S is DetCon-B with the projections on both sides (lightly), and the gradient differs', () => {
    const fixture = golden.losses.find((c) => c.variant === 's')!;
    const ids = [rowsOf(fixture.ids1), rowsOf(fixture.ids2)] as const;
    const [z1, z2] = ['z1', 'z2'].map((n) => toTensor<tf.Rank.R3>(fixture.inputs[n]!)) as [
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    const b = contrastiveDetection({
      predictions: [z1, z2],
      targets: [z1, z2],
      predictionIds: ids,
      targetIds: ids,
      temperature: fixture.temperature,
    });
    expect(b.dataSync()[0]).toBeCloseTo(fixture.loss, 4);
    // With z1 a constant target (DetCon-B's stop-gradient), only part of the gradient remains.
    const constant = tf.tensor3d(z1.dataSync(), z1.shape);
    const [gB] = tf.grads((a: tf.Tensor) =>
      new DetconBLoss(fixture.temperature).compute({
        predictions: [a as tf.Tensor3D, z2],
        targets: [constant, z2],
        maskIds: ids,
      }),
    )([z1]);
    expect(relativeError(gB!, fixture.grads['z1']!)).toBeGreaterThan(1e-2);
    tf.dispose([z1, z2, b, gB!, constant]);
  });
});
