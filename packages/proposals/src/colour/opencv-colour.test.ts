import { describe, expect, it } from 'vitest';
import { readBytes } from '../test-support/fixtures.js';
import { rgbToGray, rgbToHsv, rgbToLab, rgbToRgI } from './opencv-colour.js';

const probe = { width: 64, height: 64, channels: 3, data: readBytes('colour-probe.rgb') };

function mismatches(actual: Uint8Array, expected: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) count++;
  return count;
}

describe('OpenCV colour conversions on 4096 random colours (vs cv2.cvtColor)', () => {
  it('HSV is bit-exact', () => {
    expect(mismatches(rgbToHsv(probe).data, readBytes('colour-probe.hsv'))).toBe(0);
  });
  it('Lab matches to within one level on 0.1% of colours (OpenCV 4 builds its tables in soft-float)', () => {
    const actual = rgbToLab(probe).data;
    const expected = readBytes('colour-probe.lab');
    expect(mismatches(actual, expected)).toBeLessThanOrEqual(4);
    for (let i = 0; i < expected.length; i++)
      expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1);
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
});
