import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@ssdet/core';
import { expectClose, toTensor } from '@ssdet/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildContrastInputs } from '../contrast-inputs.js';
import { matchProposals } from '../proposal-matching.js';
import { readGolden } from '../test-support/golden.js';
import { LocInfoNceLoss, locInfoNce } from './loc-info-nce.js';
import { locationPositives } from './location-positives.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const E = Math.E;
const value = (t: tf.Scalar): number => t.dataSync()[0]!;

/** Two proposals A = [0, 0, 2, 2] and B = [1, 0, 3, 2] of one image: IoU = 2 / 6 = 1/3. */
const twoProposals = (iouThreshold: number, images: [number, number] = [0, 0]) =>
  locationPositives({
    anchorBoxes: Float32Array.from([0, 0, 2, 2, 1, 0, 3, 2]),
    anchorImages: Int32Array.from(images),
    keyBoxes: Float32Array.from([0, 0, 2, 2, 1, 0, 3, 2]),
    keyImages: Int32Array.from(images),
    matched: Int32Array.from([0, 1]),
    iouThreshold,
  });

describe('locationPositives', () => {
  it('takes proposals of the same image at IoU ≥ δ, and the matched one whatever its IoU', () => {
    expect(Array.from(twoProposals(0.5))).toEqual([1, 0, 0, 1]);
    expect(Array.from(twoProposals(1 / 3))).toEqual([1, 1, 1, 1]);
    expect(Array.from(twoProposals(0.34))).toEqual([1, 0, 0, 1]);
    // The same boxes in two images: never positives of each other.
    expect(Array.from(twoProposals(0.1, [0, 1]))).toEqual([1, 0, 0, 1]);
    const unmatchedAnchor = locationPositives({
      anchorBoxes: Float32Array.from([10, 10, 11, 11]),
      anchorImages: Int32Array.from([0]),
      keyBoxes: Float32Array.from([0, 0, 2, 2]),
      keyImages: Int32Array.from([0]),
      matched: Int32Array.from([-1]),
      iouThreshold: 0.5,
    });
    expect(Array.from(unmatchedAnchor)).toEqual([0]);
  });

  it('names the mismatch when the arrays do not fit', () => {
    expect(() =>
      locationPositives({
        anchorBoxes: new Float32Array(4),
        anchorImages: Int32Array.from([0, 0]),
        keyBoxes: new Float32Array(4),
        keyImages: Int32Array.from([0]),
        matched: Int32Array.from([0, 0]),
        iouThreshold: 0.5,
      }),
    ).toThrow(/2 anchors need 8 box values/);
  });
});

describe('locInfoNce on two proposals with known logits', () => {
  // ẑ₁ = z′₁ = (1, 0), ẑ₂ = z′₂ = (0, 1), τ = 1: logits [[1, 0], [0, 1]].
  const student = () => tf.tensor2d([1, 0, 0, 1], [2, 2]);
  const teacher = () => tf.tensor2d([1, 0, 0, 1], [2, 2]);

  it('is log(1 + e⁻¹) with one positive each (IoU 1/3 < δ 0.5)', () => {
    tf.tidy(() => {
      const positives = tf.tensor2d(twoProposals(0.5), [2, 2]);
      const loss = locInfoNce({ student: student(), teacher: teacher(), positives }, 1);
      expect(value(loss)).toBeCloseTo(Math.log(1 + 1 / E), 6);
      // Scale does not matter: embeddings are normalised.
      const scaled = locInfoNce(
        { student: tf.mul(student(), 7) as tf.Tensor2D, teacher: teacher(), positives },
        1,
      );
      expect(value(scaled)).toBeCloseTo(Math.log(1 + 1 / E), 6);
    });
  });

  it('with both positives (δ 0.3 < 1/3): log(1 + e) − ½ (mean-log), 0 (log-sum)', () => {
    tf.tidy(() => {
      const positives = tf.tensor2d(twoProposals(0.3), [2, 2]);
      const inputs = { student: student(), teacher: teacher(), positives };
      expect(value(locInfoNce(inputs, 1, 'mean-log'))).toBeCloseTo(Math.log(1 + E) - 0.5, 6);
      expect(value(locInfoNce(inputs, 1, 'log-sum'))).toBeCloseTo(0, 6);
    });
  });

  it('τ = 0.5 doubles the logits: log(1 + e⁻²)', () => {
    tf.tidy(() => {
      const positives = tf.tensor2d(twoProposals(0.5), [2, 2]);
      const loss = locInfoNce({ student: student(), teacher: teacher(), positives }, 0.5);
      expect(value(loss)).toBeCloseTo(Math.log(1 + Math.exp(-2)), 6);
    });
  });

  it('has the gradient (1/N)(I − ẑẑᵀ)(Σₖ pₖz′ₖ − z′₊)/τ: (0, 1/(2(1 + e))) for anchor 1', () => {
    const s = student();
    const t = teacher();
    const positives = tf.tensor2d(twoProposals(0.5), [2, 2]);
    const grad = tf.grad((x: tf.Tensor) =>
      locInfoNce({ student: x as tf.Tensor2D, teacher: t, positives }, 1),
    )(s);
    const g = 1 / (2 * (1 + E));
    expectClose(grad, [0, g, g, 0], 1e-6);
    tf.dispose([s, t, positives, grad]);
  });

  it('leaves anchors without a positive out of the mean', () => {
    tf.tidy(() => {
      const positives = tf.tensor2d([1, 0, 0, 0], [2, 2]);
      const loss = locInfoNce({ student: student(), teacher: teacher(), positives }, 1);
      expect(value(loss)).toBeCloseTo(Math.log(1 + 1 / E), 6);
    });
  });

  it('is a weighted term named loss_locinfonce, and rejects mismatched shapes by name', () => {
    const loss = new LocInfoNceLoss(2, 1);
    expect(loss.name).toBe('loss_locinfonce');
    expect(loss.weight).toBe(2);
    tf.tidy(() => {
      expect(() =>
        loss.compute({ student: student(), teacher: teacher(), positives: tf.ones([2, 3]) }),
      ).toThrow(/positives must be \[2, 2\]/);
    });
  });
});

describe('matchProposals', () => {
  it('assigns each student box its own teacher box when they are shuffled copies', () => {
    tf.tidy(() => {
      const student = tf.tensor3d(
        [0.2, 0.2, 0.1, 0.1, 0.7, 0.7, 0.2, 0.2, 0.5, 0.3, 0.3, 0.1],
        [1, 3, 4],
      );
      const teacher = tf.gather(student, [2, 0, 1], 1) as tf.Tensor3D;
      expect(Array.from(matchProposals(student, teacher, { bbox: 5, giou: 2 }))).toEqual([1, 2, 0]);
    });
  });

  it('the embedding cost (−cos) overrides a small box preference', () => {
    tf.tidy(() => {
      // Student i sits on teacher i's box, 0.02 in cx from the other one: by 5·L1 the identity
      // costs 0 and the swap 0.1 + 0.1 = 0.2. The embeddings point the other way (student 0 ∥
      // teacher 1, student 1 ∥ teacher 0, the others orthogonal): with λ_emb = 1 the identity
      // costs 0 and the swap 0.2 − 1 − 1 = −1.8.
      const student = tf.tensor3d([
        [
          [0.5, 0.5, 0.2, 0.2],
          [0.52, 0.5, 0.2, 0.2],
        ],
      ]);
      const teacher = tf.tensor3d([
        [
          [0.5, 0.5, 0.2, 0.2],
          [0.52, 0.5, 0.2, 0.2],
        ],
      ]);
      const embeddings = {
        student: tf.tensor3d([
          [
            [0, 3],
            [2, 0],
          ],
        ]),
        teacher: tf.tensor3d([
          [
            [1, 0],
            [0, 1],
          ],
        ]),
      };
      const boxesOnly = { bbox: 5, giou: 0 };
      expect(Array.from(matchProposals(student, teacher, boxesOnly, embeddings))).toEqual([0, 1]);
      const withEmbedding = { ...boxesOnly, embedding: 1 };
      expect(Array.from(matchProposals(student, teacher, withEmbedding, embeddings))).toEqual([
        1, 0,
      ]);
      expect(() => matchProposals(student, teacher, withEmbedding)).toThrow(/needs the student/);
    });
  });
});

describe('LocInfoNCE = the independent PyTorch implementation (golden.json)', () => {
  const golden = readGolden();
  for (const fixture of golden.cases) {
    it(`${fixture.name}: matching, positives, loss and d loss/d student within 1e-4`, () => {
      const before = tf.memory().numTensors;
      const embeddings = tf.tidy(() =>
        tf.variable(toTensor<tf.Rank.R3>(fixture.studentEmbeddings)),
      );
      const studentBoxes = toTensor<tf.Rank.R3>(fixture.studentBoxes);
      const teacher = {
        boxes: toTensor<tf.Rank.R3>(fixture.teacherBoxes),
        embeddings: toTensor<tf.Rank.R3>(fixture.teacherEmbeddings),
      };
      const options = {
        iouThreshold: fixture.delta,
        anchorBox: fixture.anchor,
        costs: { bbox: 5, giou: 2, embedding: fixture.costEmbedding },
      };
      let matched: number[] = [];
      let positives: number[] = [];
      const { value: loss, grads } = tf.variableGrads(() => {
        const contrast = buildContrastInputs({ boxes: studentBoxes, embeddings }, teacher, options);
        matched = Array.from(contrast.matched);
        positives = Array.from(contrast.positives.dataSync());
        return locInfoNce(contrast, fixture.tau, fixture.aggregation);
      }, [embeddings]);
      expect(matched).toEqual(fixture.matched);
      expect(positives).toEqual(fixture.positives.data);
      expect(Math.abs(value(loss) - fixture.loss)).toBeLessThanOrEqual(
        1e-4 * Math.max(1, Math.abs(fixture.loss)),
      );
      expectClose(grads[embeddings.name]!, fixture.gradStudent, 1e-4, { relative: 'tensor' });
      tf.dispose([loss, ...Object.values(grads), embeddings, studentBoxes]);
      tf.dispose([teacher.boxes, teacher.embeddings]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
