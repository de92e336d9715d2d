import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  affinityDistillationLoss,
  teacherTemperatureAt,
  updatedCenter,
} from './affinity-distillation-loss.js';
import { imageContrastLoss } from './image-contrast-loss.js';
import { pointContrastLoss } from './point-contrast-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const value = (x: tf.Scalar): number => {
  const v = x.dataSync()[0]!;
  x.dispose();
  return v;
};

describe('imageContrastLoss (L_img)', () => {
  const q = () =>
    tf.tensor2d([
      [2, 0],
      [0, 3],
    ]); // normalised inside: e₁, e₂
  const k = () =>
    tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
  const queue = () => tf.tensor2d([[0, 1]]);

  it('paper: every row’s positive at index 0, by hand', () => {
    // Row 1: logits [1, 0]/τ; row 2: [1, 1]/τ.
    const tau = 0.5;
    const expected = (Math.log(1 + Math.exp(-2)) + Math.log(2)) / 2;
    expect(value(imageContrastLoss({ queries: q(), keys: k(), queue: queue() }, tau))).toBeCloseTo(
      expected,
      6,
    );
  });

  it('official: row i targets logit i (row 2 targets the queue entry), by hand', () => {
    const tau = 0.5;
    // Row 2: logits [1, 1]/τ, target index 1 → log 2 as well; row 1 unchanged. Change the queue so they differ.
    const other = tf.tensor2d([[0, -1]]);
    const paper = value(imageContrastLoss({ queries: q(), keys: k(), queue: other }, tau));
    const official = value(
      imageContrastLoss({ queries: q(), keys: k(), queue: other }, tau, 'official'),
    );
    // Row 2 logits [1, −1]/τ: paper −log σ = log(1 + e^{−4}); official targets −1/τ: log(1 + e^{4}).
    expect(paper).toBeCloseTo((Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(-4))) / 2, 6);
    expect(official).toBeCloseTo((Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(4))) / 2, 6);
  });
});

describe('pointContrastLoss (L_point)', () => {
  it('is −(τ/τ_b)·mean log-probability of the same-image points, by hand', () => {
    // Two images, one point per view, all points equal within an image, images orthogonal.
    const query = tf.tensor3d([[[1, 0]], [[0, 1]]]);
    const key = tf.tensor3d([[[1, 0]], [[0, 1]]]);
    const tau = 0.5;
    // Each anchor: its positive at 1/τ = 2, two negatives at 0: log p = 2 − log(e² + 2).
    const expected = -(tau / 0.07) * (2 - Math.log(Math.exp(2) + 2));
    expect(value(pointContrastLoss({ queryPoints: query, keyPoints: key }, tau, 0.07))).toBeCloseTo(
      expected,
      5,
    );
  });

  it('with groups, averages the loss of each chunk of the batch contrasted on its own', () => {
    const query = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 1) as tf.Tensor3D;
    const key = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 2) as tf.Tensor3D;
    const half = (x: tf.Tensor3D, g: number) => tf.slice(x, [2 * g, 0, 0], [2, -1, -1]);
    const separate =
      (value(
        pointContrastLoss({ queryPoints: half(query, 0), keyPoints: half(key, 0) }, 0.2, 0.07),
      ) +
        value(
          pointContrastLoss({ queryPoints: half(query, 1), keyPoints: half(key, 1) }, 0.2, 0.07),
        )) /
      2;
    const grouped = value(
      pointContrastLoss({ queryPoints: query, keyPoints: key, groups: 2 }, 0.2, 0.07),
    );
    expect(grouped).toBeCloseTo(separate, 5);
    const whole = value(pointContrastLoss({ queryPoints: query, keyPoints: key }, 0.2, 0.07));
    expect(whole).not.toBeCloseTo(grouped, 2);
    expect(() =>
      pointContrastLoss({ queryPoints: query, keyPoints: key, groups: 3 }, 0.2, 0.07),
    ).toThrow(/4 images into groups = 3/);
  });

  it('rejects point sets of different shapes', () => {
    expect(() =>
      pointContrastLoss(
        { queryPoints: tf.zeros([2, 3, 4]), keyPoints: tf.zeros([2, 2, 4]) },
        0.2,
        0.07,
      ),
    ).toThrow(/\[2, 3, 4\] and \[2, 2, 4\]/);
  });
});

describe('affinityDistillationLoss (L_ts), the centre and τ_t', () => {
  it('is the cross-entropy of the centred, sharpened teacher against the student, by hand', () => {
    const student = tf.tensor2d([[0.1, 0]]);
    const teacher = tf.tensor2d([[0.3, 0.1]]);
    const center = tf.tensor1d([0.1, 0]);
    // Teacher: softmax([0.2, 0.1]/0.1) = softmax([2, 1]); student: log softmax([1, 0]).
    const t = [
      Math.exp(2) / (Math.exp(2) + Math.exp(1)),
      Math.exp(1) / (Math.exp(2) + Math.exp(1)),
    ];
    const logS = [1 - Math.log(Math.E + 1), -Math.log(Math.E + 1)];
    const expected = -(t[0]! * logS[0]! + t[1]! * logS[1]!);
    expect(
      value(affinityDistillationLoss({ student, teacher, center, teacherTemperature: 0.1 }, 0.1)),
    ).toBeCloseTo(expected, 5);
    const after = updatedCenter(center, teacher, 0.9);
    expect(Array.from(after.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.12, 0.01]);
  });

  it('takes rows in blocks: loss, student gradient and centre equal those of the joined rows', () => {
    tf.tidy(() => {
      const sizes = [3, 1, 5];
      const student = sizes.map((m, i) => tf.randomNormal<tf.Rank.R2>([m, 6], 0, 1, 'float32', i));
      const teacher = sizes.map((m, i) =>
        tf.randomNormal<tf.Rank.R2>([m, 6], 0, 1, 'float32', 10 + i),
      );
      const center = tf.randomNormal<tf.Rank.R1>([6], 0, 0.2, 'float32', 20);
      const joined = (blocks: tf.Tensor2D[]) => tf.concat2d(blocks, 0);
      const lossOf = (s: tf.Tensor2D[]) =>
        affinityDistillationLoss({ student: s, teacher, center, teacherTemperature: 0.05 }, 0.1);
      const wholeLossOf = (s: tf.Tensor) =>
        affinityDistillationLoss(
          { student: s as tf.Tensor2D, teacher: joined(teacher), center, teacherTemperature: 0.05 },
          0.1,
        );
      expect(value(lossOf(student))).toBeCloseTo(value(wholeLossOf(joined(student))), 5);
      const blockGrads = tf.grads((...s: tf.Tensor[]) => lossOf(s as tf.Tensor2D[]))(student);
      const wholeGrad = tf.grad(wholeLossOf)(joined(student));
      const difference = tf.max<tf.Scalar>(
        tf.abs(tf.sub(joined(blockGrads as tf.Tensor2D[]), wholeGrad)),
      );
      expect(value(difference)).toBeLessThan(1e-6);
      const centers = [
        updatedCenter(center, teacher, 0.9),
        updatedCenter(center, joined(teacher), 0.9),
      ];
      expect(value(tf.max<tf.Scalar>(tf.abs(tf.sub(centers[0]!, centers[1]!))))).toBeLessThan(1e-6);
      expect(() =>
        affinityDistillationLoss(
          { student, teacher: teacher.slice(1), center, teacherTemperature: 0.05 },
          0.1,
        ),
      ).toThrow(/^L_ts expects student and teacher rows .*\[3, 6\]/);
    });
  });

  it('is 0 without pairs, and leaves the centre as it was', () => {
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    const center = tf.tensor1d([1, 2, 3]);
    expect(
      value(
        affinityDistillationLoss(
          { student: empty, teacher: empty, center, teacherTemperature: 0.04 },
          0.1,
        ),
      ),
    ).toBe(0);
    expect(Array.from(updatedCenter(center, empty, 0.9).dataSync())).toEqual([1, 2, 3]);
  });

  it('warms τ_t linearly from 0.04 to 0.07 over 30 epochs (numpy linspace), then holds it', () => {
    const schedule = { warmup: 0.04, final: 0.07, warmupEpochs: 30 };
    expect(teacherTemperatureAt(0, schedule)).toBe(0.04);
    expect(teacherTemperatureAt(29, schedule)).toBeCloseTo(0.07, 12);
    expect(teacherTemperatureAt(14, schedule)).toBeCloseTo(0.04 + (0.03 * 14) / 29, 12);
    expect(teacherTemperatureAt(99, schedule)).toBe(0.07);
  });
});
