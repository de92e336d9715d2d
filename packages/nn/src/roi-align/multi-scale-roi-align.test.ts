import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nchwToNhwc, nhwcToNchw } from '../weights/layout.js';
import { fixtureJson } from '../weights/test-support/fixtures.js';
import { levelForBoxes, socoLevelForBoxes } from './level-mapper.js';
import { multiScaleRoiAlign } from './multi-scale-roi-align.js';
import { roiAlign } from './roi-align.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

interface MultiScaleFixture {
  strides: number[];
  output_size: number;
  sampling_ratio: number;
  canonical_scale: number;
  canonical_level: number;
  features_nchw: Record<string, { shape: [number, number, number, number]; values: number[] }>;
  boxes: number[][];
  levels: number[];
  output_nchw: number[];
}

const fixture = fixtureJson<{ multi_scale: MultiScaleFixture }>('roi-align.json').multi_scale;

describe('levelForBoxes (FPN Eq. 1, torchvision LevelMapper)', () => {
  it('assigns the levels torchvision assigned, including boxes exactly on a boundary', () => {
    const levels = levelForBoxes(fixture.boxes, {
      minLevel: 2,
      maxLevel: 4,
      canonicalScale: fixture.canonical_scale,
      canonicalLevel: fixture.canonical_level,
    });
    expect(Array.from(levels, (k) => k - 2)).toEqual(fixture.levels);
  });

  it('uses canonical 224 → level 4 and clamps', () => {
    const levels = levelForBoxes(
      [
        [0, 0, 224, 224],
        [0, 0, 112, 112],
        [0, 0, 111, 112],
        [0, 0, 448, 448],
        [0, 0, 2000, 2000],
        [0, 0, 4, 4],
        [3, 3, 3, 3],
      ],
      { minLevel: 2, maxLevel: 5 },
    );
    expect(Array.from(levels)).toEqual([4, 3, 2, 5, 5, 2, 2]);
  });
});

describe('socoLevelForBoxes (SoCo assign_bboxs_to_feature_map)', () => {
  it('assigns by sqrt((w+1)(h+1)) against [48, 96, 192, 224] on truncated coordinates, −1 above', () => {
    const boxes = [
      [0, 0, 47, 47], // size 48 → P2 (≤ 48)
      [0, 0, 48, 48], // 49 → P3
      [10.9, 10.9, 105.2, 105.2], // truncated: 10..105 → 96 → P3
      [0, 0, 191, 191], // 192 → P4
      [0, 0, 200, 210], // sqrt(201·211) ≈ 205.9 → P5
      [0, 0, 224, 224], // 225 → unassigned
    ];
    expect(Array.from(socoLevelForBoxes(boxes))).toEqual([0, 1, 1, 2, 3, -1]);
  });
});

describe('multiScaleRoiAlign against torchvision.ops.MultiScaleRoIAlign', () => {
  it('pools each box from its level and matches torchvision within 1e-4, with gradients to every level', () => {
    const names = Object.keys(fixture.features_nchw);
    const levels = names.map((name, i) => {
      const { shape, values } = fixture.features_nchw[name]!;
      const nhwc = nchwToNhwc(Float32Array.from(values), shape);
      return {
        features: tf.tensor4d(nhwc.data, nhwc.shape as [number, number, number, number]),
        stride: fixture.strides[i]!,
      };
    });
    const perImage = [fixture.boxes];
    const options = {
      outputSize: fixture.output_size,
      samplingRatio: fixture.sampling_ratio,
      aligned: false,
      canonicalScale: fixture.canonical_scale,
      canonicalLevel: fixture.canonical_level,
    };
    const before = tf.memory().numTensors;
    const output = multiScaleRoiAlign(levels, perImage, options);
    const R = fixture.boxes.length;
    const C = levels[0]!.features.shape[3];
    const outputNchw = nhwcToNchw(Float32Array.from(output.dataSync()), [
      R,
      fixture.output_size,
      fixture.output_size,
      C,
    ]).data;
    let max = 0;
    outputNchw.forEach((v, i) => (max = Math.max(max, Math.abs(v - fixture.output_nchw[i]!))));
    expect(max).toBeLessThan(1e-4);

    // Each RoI equals single-level roiAlign on its assigned map.
    const k = 4;
    const level = fixture.levels[k]!;
    const single = roiAlign(levels[level]!.features, [[0, ...fixture.boxes[k]!]], {
      ...options,
      spatialScale: 1 / fixture.strides[level]!,
    });
    const slice = tf.slice(output, [k, 0, 0, 0], [1, -1, -1, -1]);
    expect(Array.from(slice.dataSync())).toEqual(Array.from(single.dataSync()));

    const grads = tf.grads((...maps: tf.Tensor[]) =>
      tf.sum(
        multiScaleRoiAlign(
          maps.map((features, i) => ({
            features: features as tf.Tensor4D,
            stride: fixture.strides[i]!,
          })),
          perImage,
          options,
        ),
      ),
    )(levels.map((l) => l.features));
    const totals = grads.map((g) => tf.tidy(() => tf.sum(tf.abs(g))));
    totals.forEach((total) => expect(total.arraySync()).toBeGreaterThan(0));
    tf.dispose(totals);
    tf.dispose([output, single, slice, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    levels.forEach((l) => l.features.dispose());
  });

  it('takes explicit levels (e.g. from SoCo) and rejects inconsistent pyramids', () => {
    const p2 = tf.ones([1, 8, 8, 2]) as tf.Tensor4D;
    const p3 = tf.fill([1, 4, 4, 2], 3) as tf.Tensor4D;
    const out = multiScaleRoiAlign(
      [
        { features: p2, stride: 4 },
        { features: p3, stride: 8 },
      ],
      [[0, 0, 0, 16, 16]],
      { outputSize: 1, levels: [3] },
    );
    expect(Array.from(out.dataSync())).toEqual([3, 3]);
    expect(() =>
      multiScaleRoiAlign(
        [
          { features: p2, stride: 4 },
          { features: p3, stride: 16 },
        ],
        [[0, 0, 0, 1, 1]],
        { outputSize: 1 },
      ),
    ).toThrow(/Strides must double/);
    expect(() =>
      multiScaleRoiAlign(
        [
          { features: p2, stride: 4 },
          { features: p3, stride: 8 },
        ],
        [[0, 0, 0, 1, 1]],
        { outputSize: 1, levels: [5] },
      ),
    ).toThrow(/RoI 0 is assigned level 5; available levels are 2…3/);
    tf.dispose([p2, p3, out]);
  });
});
