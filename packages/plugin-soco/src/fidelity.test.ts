import { selectBackend } from '@ssdet/core';
import { cropGeometry, flipGeometry, identityGeometry, mapBox } from '@ssdet/data';
import { readReferenceJson } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipToView } from './box-selection.js';
import { sameProposalMatrix } from './correspondence.js';
import { boxAwareRegressionLoss } from './losses/box-aware-regression-loss.js';
import { socoRois } from './roi-boxes.js';

interface LossCase {
  everyLevel: boolean;
  batch: number;
  k: number;
  dim: number;
  m: number;
  ids: Record<string, number[]>;
  levels: Record<string, number[]>;
  embeddings: Record<string, number[]>;
  matchCounts: Record<string, number[]>;
  terms: Record<'l12' | 'l21' | 'l13' | 'l31', number>;
  total: number;
}
interface BoxesCase {
  image: [number, number];
  crop: [number, number, number, number];
  view: number;
  flip: boolean;
  proposalsInclusive: [number, number, number, number][];
  keptIds: number[];
  levels: number[];
  rois: number[];
}

const fixture = readReferenceJson<{ loss: LossCase[]; boxes: BoxesCase[] }>(
  'soco',
  'soco_golden.json',
);

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-6);
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('SoCo loss against PyTorch (tools/reference/soco/make_soco_golden.py)', () => {
  for (const golden of fixture.loss) {
    it(`${golden.everyLevel ? 'every-level' : 'assigned-level'} matching: four terms and total within 1e-4 relative`, () => {
      const { batch, m, dim } = golden;
      const side = (name: string) => ({
        ids: Int32Array.from(golden.ids[name]!),
        levels: Int32Array.from(golden.levels[name]!),
      });
      const levelCount = golden.everyLevel ? 4 : undefined;
      const emb = (name: string) => tf.tensor3d(golden.embeddings[name]!, [batch, m, dim]);
      tf.tidy(() => {
        const c12 = sameProposalMatrix(side('v1_v2'), side('v2'), batch, levelCount);
        const c13 = sameProposalMatrix(side('v1_v3'), side('v3'), batch, levelCount);
        expect(Array.from(tf.sum(c12, [1, 2]).dataSync())).toEqual(golden.matchCounts['v1_v2']);
        expect(Array.from(tf.sum(c13, [1, 2]).dataSync())).toEqual(golden.matchCounts['v1_v3']);
        const t = (c: tf.Tensor3D) => tf.transpose(c, [0, 2, 1]);
        const terms = {
          l12: boxAwareRegressionLoss(emb('q_v1_v2'), emb('z_v2'), c12),
          l21: boxAwareRegressionLoss(emb('q_v2'), emb('z_v1_v2'), t(c12)),
          l13: boxAwareRegressionLoss(emb('q_v1_v3'), emb('z_v3'), c13),
          l31: boxAwareRegressionLoss(emb('q_v3'), emb('z_v1_v3'), t(c13)),
        };
        let total = 0;
        for (const [name, value] of Object.entries(terms)) {
          const ours = value.dataSync()[0]!;
          total += ours;
          expect(relative(ours, golden.terms[name as keyof LossCase['terms']])).toBeLessThan(1e-4);
        }
        expect(relative(total, golden.total)).toBeLessThan(1e-4);
      });
    });
  }
});

describe("SoCo's box convention against the official pipeline", () => {
  for (const golden of fixture.boxes) {
    it(`clip, levels and RoIs of one view${golden.flip ? ', mirrored' : ''}`, () => {
      const [width, height] = golden.image;
      const [left, top, w, h] = golden.crop;
      const exclusive = Float32Array.from(
        golden.proposalsInclusive.flatMap(([x1, y1, x2, y2]) => [x1, y1, x2 + 1, y2 + 1]),
      );
      const ids = Int32Array.from(golden.proposalsInclusive.map((_, i) => i));
      let geometry = cropGeometry(
        identityGeometry(width, height),
        [left, top, left + w, top + h],
        golden.view,
        golden.view,
      );
      if (golden.flip) geometry = flipGeometry(geometry);
      const clipped = clipToView({ boxes: exclusive, ids }, geometry.sourceBox, -7);
      expect(Array.from(clipped.ids)).toEqual(golden.keptIds);
      const inView = new Float32Array(clipped.boxes.length);
      for (let i = 0; i < inView.length; i += 4) {
        inView.set(
          mapBox(geometry, [
            clipped.boxes[i]!,
            clipped.boxes[i + 1]!,
            clipped.boxes[i + 2]!,
            clipped.boxes[i + 3]!,
          ]),
          i,
        );
      }
      const { rois, levels } = socoRois(inView, clipped.ids, geometry, [48, 96, 192, 224]);
      expect(Array.from(levels)).toEqual(golden.levels);
      rois.forEach((value, i) => expect(value).toBeCloseTo(golden.rois[i]!, 3));
    });
  }
});
