import { selectBackend } from '@ssdet/core';
import { SOFT_TARGET_CROSS_ENTROPY_GRAD, l2Normalize } from '@ssdet/nn';
import { expectClose, relativeError, toTensor } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distillationRows } from './distillation-inputs.js';
import {
  affinityDistillationLoss,
  teacherTemperatureAt,
  updatedCenter,
} from './losses/affinity-distillation-loss.js';
import { imageContrastLoss } from './losses/image-contrast-loss.js';
import { pointContrastLoss } from './losses/point-contrast-loss.js';
import { sharedRegionPoints } from './point-features.js';
import { overlappingPixels } from './regions/overlap.js';
import { readPlrcGolden, regionZeroPoints, rowOf, type StoredInts } from './test-support/golden.js';
import { enqueueKeys } from './queue.js';
import { MemoryQueue } from '@ssdet/nn';
import { Rng } from '@ssdet/core';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/**
 * L_ts runs `@ssdet/nn`'s fused soft-target cross-entropy: tfjs ops on chunks of rows on `cpu`,
 * the addon's kernels on `native` (when it is built); both are held to the official code.
 */
const nativeBuilt = await selectBackend({ request: 'native', dryRun: true }).then(
  () => true,
  () => false,
);
const L_TS_BACKENDS = [
  { name: 'cpu', skip: false },
  { name: 'native', skip: !nativeBuilt },
] as const;

/** Runs the enclosing describe's tests on `backend`, back on cpu afterwards. */
function onBackend(backend: 'cpu' | 'native'): void {
  beforeAll(async () => {
    if (backend !== 'native' || !nativeBuilt) return;
    await selectBackend({ request: 'native' });
    expect(tf.getKernel(SOFT_TARGET_CROSS_ENTROPY_GRAD, 'native')).toBeDefined();
  });
  afterAll(async () => {
    await selectBackend({ request: 'cpu' });
  });
}

const golden = readPlrcGolden();
const scalar = (x: tf.Scalar): number => x.dataSync()[0]!;
const nchw = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [0, 3, 1, 2]);
const schedule = { warmup: 0.04, final: 0.07, warmupEpochs: 30 };

/** Pairs of one image from the `[M, 3]` (image, query, key) list. */
function pairsOf(stored: StoredInts, image: number): [number, number][] {
  const out: [number, number][] = [];
  for (let m = 0; m < stored.shape[0]!; m++)
    if (stored.data[3 * m] === image) out.push([stored.data[3 * m + 1]!, stored.data[3 * m + 2]!]);
  return out;
}

describe('L_point = official SupConLoss.compute_cont_loss (after Memory_Loss.forward’s normalisation)', () => {
  golden.point.forEach((c, index) => {
    it(`case ${index}: loss and gradients of both point sets within 1e-4`, () => {
      const [q, k] = [toTensor<tf.Rank.R3>(c.queries), toTensor<tf.Rank.R3>(c.keys)];
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        pointContrastLoss(
          { queryPoints: a as tf.Tensor3D, keyPoints: b as tf.Tensor3D },
          c.temperature,
          c.baseTemperature,
        );
      const value = f(q, k);
      expect(relativeError([scalar(value)], [c.loss])).toBeLessThanOrEqual(1e-4);
      const [gq, gk] = tf.grads(f)([q, k]);
      expect(relativeError(gq!, c.gradQueries)).toBeLessThanOrEqual(1e-4);
      expect(relativeError(gk!, c.gradKeys)).toBeLessThanOrEqual(1e-4);
      tf.dispose([q, k, value, gq!, gk!]);
    });
  });
});

describe('L_img = official NCEAverage (targets arange(B), truncating queue) and the paper’s InfoNCE', () => {
  golden.image.forEach((c, index) => {
    for (const mode of ['official', 'paper'] as const) {
      it(`case ${index} (${mode}): loss, gradient and the queue after the enqueue`, () => {
        const expected = c[mode];
        const [q, k, queue] = [
          toTensor<tf.Rank.R2>(c.queries),
          toTensor<tf.Rank.R2>(c.keys),
          toTensor<tf.Rank.R2>(c.queue),
        ];
        const f = (x: tf.Tensor) =>
          imageContrastLoss(
            { queries: x as tf.Tensor2D, keys: k, queue },
            c.temperature,
            mode === 'official' ? 'official' : 'paper',
          );
        const value = f(q);
        expect(relativeError([scalar(value)], [expected.loss])).toBeLessThanOrEqual(1e-4);
        const [g] = tf.grads(f)([q]);
        expect(relativeError(g!, expected.gradQueries)).toBeLessThanOrEqual(1e-4);

        const memory = new MemoryQueue({
          size: c.queue.shape[0]!,
          dim: c.queue.shape[1]!,
          rng: Rng.fromSeed(0),
        });
        memory.queue.assign(queue);
        memory.pointer.assign(tf.scalar(c.pointer, 'int32'));
        const normalised = l2Normalize(k, 1);
        enqueueKeys(memory, normalised, mode === 'official' ? 'truncate' : 'wrap');
        expectClose(memory.queue, expected.queueAfter, 1e-6);
        expect(memory.position).toBe(expected.pointerAfter);
        tf.dispose([q, k, queue, value, g!, normalised, memory.queue, memory.pointer]);
      });
    }
  });
});

for (const backend of L_TS_BACKENDS) {
  describe.skipIf(backend.skip)(
    `L_ts = official SelfDistillation (DINO loss with centring, τ_t warm-up) on ${backend.name}`,
    () => {
      onBackend(backend.name);
      for (const c of golden.distillation) {
        it(`epoch ${c.epoch}: τ_t, loss, d/d student and the centre update`, () => {
          expect(teacherTemperatureAt(c.epoch, schedule)).toBeCloseTo(c.teacherTemperature, 12);
          const [student, teacher] = [
            toTensor<tf.Rank.R2>(c.student),
            toTensor<tf.Rank.R2>(c.teacher),
          ];
          const center = tf.reshape(toTensor(c.center), [-1]) as tf.Tensor1D;
          const f = (s: tf.Tensor) =>
            affinityDistillationLoss(
              {
                student: s as tf.Tensor2D,
                teacher,
                center,
                teacherTemperature: c.teacherTemperature,
              },
              0.1,
            );
          const value = f(student);
          expect(relativeError([scalar(value)], [c.loss])).toBeLessThanOrEqual(1e-4);
          const [g] = tf.grads(f)([student]);
          expect(relativeError(g!, c.gradStudent)).toBeLessThanOrEqual(1e-4);
          const after = updatedCenter(center, teacher, 0.9);
          expectClose(after, c.centerAfter.data, 1e-6);
          tf.dispose([student, teacher, center, value, g!, after]);
        });
      }
    },
  );
}

describe('overlapping point pairs = official utils.overlap', () => {
  golden.overlap.forEach((c, index) => {
    it(`case ${index}: the same (query pixel, key pixel) pairs, in the same order, flips included`, () => {
      for (let b = 0; b < c.coordQuery.shape[0]!; b++) {
        const ours = overlappingPixels(rowOf(c.coordQuery, b), rowOf(c.coordKey, b), c.size);
        const pairs = Array.from(ours.query, (q, m) => [q, ours.key[m]!]);
        expect(pairs, `image ${b}`).toEqual(pairsOf(c.pairs, b));
      }
    });
  });
});

for (const backend of L_TS_BACKENDS) {
  describe.skipIf(backend.skip)(
    `the point branch from head maps = official builder + Memory_Loss.forward(mode="point") on ${backend.name}`,
    () => {
      onBackend(backend.name);
      for (const c of golden.pipeline) {
        it(`${c.transposed ? 'official (row, col) → (x, y)' : 'image-correct'} point axes, epoch ${c.epoch}: points, pairs, L_point, L_ts, gradients, centre`, () => {
          const input = (name: string) => toTensor<tf.Rank.R4>(c.inputs[name]!);
          const [y1q, y1k, y2fRaw, y2fk, y2fe, y2lq, y2le] = [
            'y1Query',
            'y1Key',
            'y2fQueryRaw',
            'y2fKey',
            'y2fExtra',
            'y2lQuery',
            'y2lExtra',
          ].map(input) as tf.Tensor4D[];
          const b = y1q!.shape[0];
          const axes = c.transposed ? 'official' : 'image';
          const points = (q: tf.Tensor) =>
            sharedRegionPoints(
              q as tf.Tensor4D,
              y1k!,
              regionZeroPoints(c.inputs['pointsQuery'] as unknown as StoredInts),
              regionZeroPoints(c.inputs['pointsKey'] as unknown as StoredInts),
              { size: c.size, keep: c.keep, axes },
            );
          const shared = points(y1q!);
          expectClose(shared.query, c.queryPoints, 1e-5, { label: 'query points ' });
          expectClose(shared.key, c.keyPoints, 1e-5, { label: 'key points ' });

          const pointLoss = (q: tf.Tensor) => {
            const p = points(q);
            return pointContrastLoss({ queryPoints: p.query, keyPoints: p.key }, 0.2, 0.07);
          };
          const lPoint = pointLoss(y1q!);
          expect(relativeError([scalar(lPoint)], [c.losses.point.loss])).toBeLessThanOrEqual(1e-4);
          const [gPoint] = tf.grads(pointLoss)([y1q!]);
          expect(relativeError(nchw(gPoint!), c.losses.point.grad['y1Query']!)).toBeLessThanOrEqual(
            1e-4,
          );

          const pairs = Array.from({ length: b }, (_, i) =>
            overlappingPixels(
              rowOf(c.inputs['coordQuery']!, i),
              rowOf(c.inputs['coordExtra']!, i),
              c.size,
            ),
          );
          const ourPairs = pairs.flatMap((p, i) =>
            Array.from(p.query, (q, m) => [i, q, p.key[m]!]),
          );
          expect(ourPairs.flat()).toEqual(c.pairs.data);
          const center = tf.reshape(toTensor(c.inputs['center']!), [-1]) as tf.Tensor1D;
          const teacherTemperature = teacherTemperatureAt(c.epoch, schedule);
          let teacherRows: tf.Tensor2D[] | undefined;
          const distillation = (raw: tf.Tensor, logits: tf.Tensor) => {
            const rows = distillationRows(
              { bottleneck: l2Normalize(raw as tf.Tensor4D, 3), logits: logits as tf.Tensor4D },
              { bottleneck: y2fe!, logits: y2le! },
              y2fk!,
              pairs,
              { size: c.size, affinityScale: 128 },
            );
            teacherRows ??= rows.teacher.map((block) => tf.keep(block));
            return affinityDistillationLoss({ ...rows, center, teacherTemperature }, 0.1);
          };
          const lTs = distillation(y2fRaw!, y2lq!);
          expect(relativeError([scalar(lTs)], [c.losses.distillation.loss])).toBeLessThanOrEqual(
            1e-4,
          );
          const [gRaw, gLogits] = tf.grads(distillation)([y2fRaw!, y2lq!]);
          expect(
            relativeError(nchw(gRaw!), c.losses.distillation.grad['y2fQueryRaw']!),
          ).toBeLessThanOrEqual(1e-4);
          expect(
            relativeError(nchw(gLogits!), c.losses.distillation.grad['y2lQuery']!),
          ).toBeLessThanOrEqual(1e-4);
          const after = updatedCenter(center, teacherRows!, 0.9);
          expectClose(after, c.losses.distillation.centerAfter.data, 1e-5);
        });
      }
    },
  );
}
