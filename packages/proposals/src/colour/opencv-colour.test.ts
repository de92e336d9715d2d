import { describe, expect, it } from 'vitest';
import { readBytes } from '../test-support/fixtures.js';
import { opencvExact, sha256 } from '../test-support/opencv-exact.js';
import { rgbToGray, rgbToHsv, rgbToLab, rgbToRgI } from './opencv-colour.js';
import { LAB_CBRT_TABLE, LAB_COEFFICIENTS, openCvCbrt } from './opencv-lab-tables.js';

const probe = { width: 64, height: 64, channels: 3, data: readBytes('colour-probe.rgb') };

function mismatches(actual: Uint8Array, expected: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) count++;
  return count;
}

/** Every 8-bit colour once, c = (r << 16) | (g << 8) | b in order, as a 4096 × 4096 image. */
function allColours(): { width: number; height: number; channels: number; data: Uint8Array } {
  const n = 1 << 24;
  const data = new Uint8Array(n * 3);
  for (let c = 0; c < n; c++) {
    data[c * 3] = c >> 16;
    data[c * 3 + 1] = (c >> 8) & 255;
    data[c * 3 + 2] = c & 255;
  }
  return { width: 4096, height: 4096, channels: 3, data };
}

describe('OpenCV colour conversions (vs cv2.cvtColor)', () => {
  it('HSV is bit-exact on 4096 random colours', () => {
    expect(mismatches(rgbToHsv(probe).data, readBytes('colour-probe.hsv'))).toBe(0);
  });

  it('grey is bit-exact and rgI carries R, G, grey', () => {
    const gray = rgbToGray(probe);
    expect(mismatches(gray.data, readBytes('colour-probe.gray'))).toBe(0);
    const rgi = rgbToRgI(probe);
    expect([rgi.data[0], rgi.data[1], rgi.data[2]]).toEqual([
      probe.data[0],
      probe.data[1],
      gray.data[0],
    ]);
  });

  it('Lab is bit-exact on 4096 random colours', () => {
    expect(mismatches(rgbToLab(probe).data, readBytes('colour-probe.lab'))).toBe(0);
  });

  it('Lab is bit-exact on the colours where textbook double-precision tables go wrong', () => {
    const { hardColours } = opencvExact().lab;
    // The fixture lists 1,671 such colours; without them this test would prove nothing.
    expect(hardColours.length).toBeGreaterThan(1000);
    const rgb = new Uint8Array(hardColours.flatMap((row) => row.slice(0, 3)));
    const lab = rgbToLab({ width: hardColours.length, height: 1, channels: 3, data: rgb }).data;
    const wrong = hardColours.filter((row, i) =>
      [0, 1, 2].some((k) => lab[i * 3 + k] !== row[3 + k]),
    );
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('Lab is bit-exact on all 2²⁴ colours (sha256 of the whole table)', () => {
    const lab = rgbToLab(allColours()).data;
    expect(sha256(lab)).toBe(opencvExact().lab.sha256);
  });

  it("rebuilds OpenCV's tables, not textbook ones", () => {
    // 12-bit XYZ coefficients, each row divided by the D65 white point (OpenCV's values).
    expect(Array.from(LAB_COEFFICIENTS)).toEqual([1777, 1541, 778, 871, 2929, 296, 73, 448, 3575]);
    // Entry i is f(i / 2040) · 2¹⁵: f(0) = 16/116, the last one ∛(3071 / 2040).
    expect(LAB_CBRT_TABLE.length).toBe(3072);
    expect(LAB_CBRT_TABLE[0]).toBe(Math.round((16 / 116) * 32768));
    const last = LAB_CBRT_TABLE[3071]! / 32768;
    expect(Math.abs(last - Math.cbrt(3071 / 2040))).toBeLessThan(2 ** -15);
    // OpenCV's softfloat cube root truncates: never above the correctly rounded binary32 value.
    for (const x of [0.01, 0.125, 0.5, 0.9, 1, 1.4999]) {
      const ours = openCvCbrt(Math.fround(x));
      expect(ours).toBeLessThanOrEqual(Math.fround(Math.cbrt(Math.fround(x))));
      expect(Math.abs(ours - Math.cbrt(x))).toBeLessThan(2 ** -22);
    }
  });
});
