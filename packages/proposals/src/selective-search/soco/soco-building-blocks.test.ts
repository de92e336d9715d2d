import { describe, expect, it } from 'vitest';
import { socoFixture } from '../../test-support/fixtures.js';
import { localBinaryPattern } from './local-binary-pattern.js';
import { NumpyHistogramBins } from './numpy-histogram.js';
import { skimageRgbToHsv } from './skimage-rgb-to-hsv.js';

describe("SoCo Selective Search's skimage / NumPy building blocks (bit-exact)", () => {
  const { probes } = socoFixture();
  const rgb = Float64Array.from(probes.rgb);

  it('rgb2hsv on 0–255 floats equals skimage 0.19, H and S stay in [0, 1]', () => {
    const hsv = skimageRgbToHsv(rgb);
    expect(Array.from(hsv)).toEqual(probes.hsv);
    for (let i = 0; i < hsv.length; i += 3) {
      expect(hsv[i]!).toBeLessThanOrEqual(1);
      expect(hsv[i + 1]!).toBeLessThanOrEqual(1);
    }
  });

  it('local_binary_pattern(channel, 8, 1.0) equals skimage 0.19 per channel', () => {
    const { width, height } = probes;
    for (let c = 0; c < 3; c++) {
      const channel = Float64Array.from({ length: width * height }, (_, p) => rgb[p * 3 + c]!);
      expect(Array.from(localBinaryPattern(channel, width, height, 8, 1))).toEqual(probes.lbp[c]);
    }
  });

  it('np.histogram puts values at and beside the bin edges where NumPy does', () => {
    const { values, bins25, bins10 } = probes.histogram;
    const b25 = new NumpyHistogramBins(25, 0, 255);
    const b10 = new NumpyHistogramBins(10, 0, 255);
    expect(values.map((v) => b25.binOf(v))).toEqual(bins25);
    expect(values.map((v) => b10.binOf(v))).toEqual(bins10);
    expect(b25.binOf(Number.NaN)).toBe(-1);
  });
});
