import { selectBackend } from '@ssdet/core';
import { maxAbsDifference } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nchwToNhwc, nhwcToNchw } from '../weights/layout.js';
import { fixtureJson } from '../weights/test-support/fixtures.js';
import { roiAlign } from './roi-align.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

interface RoiCase {
  aligned: boolean;
  sampling_ratio: number;
  spatial_scale: number;
  output_size: [number, number];
  output_nchw: number[];
  output_weights_nchw: number[];
  grad_nchw: number[];
  /** Boxes of this case when not the shared ones. */
  boxes?: number[][];
}

interface RoiFixture {
  features_shape_nchw: [number, number, number, number];
  features_nchw: number[];
  boxes: number[][];
  cases: RoiCase[];
}

const fixture = fixtureJson<RoiFixture>('roi-align.json');
const [N, C, H, W] = fixture.features_shape_nchw;

describe('roiAlign against torchvision.ops.roi_align', () => {
  const featuresNhwc = nchwToNhwc(Float32Array.from(fixture.features_nchw), [N, C, H, W]);

  for (const c of fixture.cases) {
    const label = `aligned=${c.aligned} sampling_ratio=${c.sampling_ratio} scale=${c.spatial_scale} output=${c.output_size.join('x')}`;
    it(`matches outputs and feature gradients (${label})`, () => {
      const [ph, pw] = c.output_size;
      const boxes = c.boxes ?? fixture.boxes;
      const R = boxes.length;
      const features = tf.tensor4d(featuresNhwc.data, [N, H, W, C]);
      const outWeights = nchwToNhwc(Float32Array.from(c.output_weights_nchw), [R, C, ph, pw]);
      const options = {
        outputSize: c.output_size,
        spatialScale: c.spatial_scale,
        samplingRatio: c.sampling_ratio,
        aligned: c.aligned,
      };
      const before = tf.memory().numTensors;
      const output = roiAlign(features, boxes, options);
      expect(output.shape).toEqual([R, ph, pw, C]);
      const outputNchw = nhwcToNchw(Float32Array.from(output.dataSync()), [R, ph, pw, C]).data;
      expect(maxAbsDifference(outputNchw, c.output_nchw)).toBeLessThan(1e-4);

      const loss = (x: tf.Tensor): tf.Scalar =>
        tf.sum(
          tf.mul(
            roiAlign(x as tf.Tensor4D, boxes, options),
            tf.tensor4d(outWeights.data, [R, ph, pw, C]),
          ),
        );
      const gradient = tf.grad(loss)(features);
      const gradNchw = nhwcToNchw(Float32Array.from(gradient.dataSync()), [N, H, W, C]).data;
      expect(maxAbsDifference(gradNchw, c.grad_nchw)).toBeLessThan(1e-4);
      tf.dispose([output, gradient]);
      expect(tf.memory().numTensors).toBe(before);
      features.dispose();
    });
  }

  it('is sensitive to the border rules: outside RoIs pool to zero, zero-size RoIs too when aligned', () => {
    const features = tf.tensor4d(featuresNhwc.data, [N, H, W, C]);
    const out = roiAlign(
      features,
      [
        [0, -4, -4, -1.5, -1.5],
        [1, 2, 1, 2, 4],
      ],
      { outputSize: 2, aligned: true },
    );
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    const legacy = roiAlign(features, [[1, 2, 1, 2, 4]], { outputSize: 2, aligned: false });
    expect(Array.from(legacy.dataSync()).some((v) => v !== 0)).toBe(true); // stretched to width 1
    tf.dispose([features, out, legacy]);
  });
});

describe('roiAlign inputs', () => {
  it('accepts a [R,5] tensor and per-image box lists, giving the same result', () => {
    const features = tf.tensor4d(
      Float32Array.from({ length: 2 * 4 * 5 * 2 }, (_, i) => Math.sin(i)),
      [2, 4, 5, 2],
    );
    const table = tf.tensor2d([
      [1, 0.5, 0.5, 3, 2.5],
      [0, 1, 1, 4, 3],
      [1, 0, 0, 5, 4],
    ]);
    const fromTable = roiAlign(features, table, { outputSize: [2, 3], samplingRatio: 2 });
    const fromLists = roiAlign(
      features,
      [
        [[1, 1, 4, 3]],
        tf.tensor2d([
          [0.5, 0.5, 3, 2.5],
          [0, 0, 5, 4],
        ]),
      ],
      { outputSize: [2, 3], samplingRatio: 2 },
    );
    const reorder = tf.gather(fromLists, [1, 0, 2]);
    expect(Array.from(reorder.dataSync())).toEqual(Array.from(fromTable.dataSync()));
    const none = roiAlign(features, tf.zeros([0, 5]) as tf.Tensor2D, { outputSize: 2 });
    expect(none.shape).toEqual([0, 2, 2, 2]);
    tf.dispose([features, table, fromTable, fromLists, reorder, none]);
  });

  it('rejects bad batch indices, box shapes and output sizes with clear messages', () => {
    const features = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => roiAlign(features, [[2, 0, 0, 1, 1]], { outputSize: 2 })).toThrow(
      /RoI 0 has batch index 2; expected an integer in \[0, 1\]/,
    );
    expect(() => roiAlign(features, [[0.5, 0, 0, 1, 1]], { outputSize: 2 })).toThrow(
      /batch index 0\.5/,
    );
    expect(() => roiAlign(features, [[0, 0, 1, 1]], { outputSize: 2 })).toThrow(
      /the RoI table row 0 has 4 numbers; expected 5/,
    );
    expect(() => roiAlign(features, [[[0, 0, 1]]], { outputSize: 2 })).toThrow(
      /image 0's boxes row 0 has 3 numbers; expected 4/,
    );
    expect(() => roiAlign(features, [[0, 0, 0, 1, 1]], { outputSize: 0 })).toThrow(
      /outputSize must be positive integers/,
    );
    features.dispose();
  });
});
