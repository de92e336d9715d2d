import { describe, expect, it } from 'vitest';
import { manifest, photo, PHOTOS, readLabels } from '../test-support/fixtures.js';
import { felzenszwalb } from './felzenszwalb.js';
import { adjustedRandIndex } from './partition-agreement.js';

describe('felzenszwalb vs the reference implementations on photos', () => {
  const { fhSkimage, fhOpencv } = manifest();
  for (const name of PHOTOS) {
    for (const [scale, sigma, minSize] of fhSkimage) {
      it(`skimage variant = skimage.segmentation.felzenszwalb (${name}, ${scale}/${sigma}/${minSize})`, () => {
        const mask = felzenszwalb(photo(name), { scale, sigma, minSize, variant: 'skimage' });
        const expected = readLabels(`fh-skimage-${name}-${scale}-${sigma}-${minSize}.u16`);
        const ari = adjustedRandIndex(mask.labels, expected);
        expect(ari).toBeGreaterThanOrEqual(0.99);
        expect(Array.from(mask.labels)).toEqual(Array.from(expected));
      });
    }
    for (const [k, sigma, minSize] of fhOpencv) {
      it(`opencv variant = cv2 graph segmentation (${name}, ${k}/${sigma}/${minSize})`, () => {
        const mask = felzenszwalb(photo(name), { scale: k, sigma, minSize, variant: 'opencv' });
        const expected = readLabels(`fh-opencv-${name}-${k}-${sigma}-${minSize}.u16`);
        const ari = adjustedRandIndex(mask.labels, expected);
        expect(ari).toBeGreaterThanOrEqual(0.99);
        expect(Array.from(mask.labels)).toEqual(Array.from(expected));
      });
    }
  }

  it('labels are 0..n-1 by first appearance, and the variants differ', () => {
    const image = photo('coffee');
    const a = felzenszwalb(image, { scale: 100, sigma: 0.8, minSize: 20, variant: 'skimage' });
    const b = felzenszwalb(image, { scale: 100, sigma: 0.8, minSize: 20, variant: 'opencv' });
    let next = 0;
    for (const label of a.labels) {
      expect(label).toBeLessThanOrEqual(next);
      if (label === next) next++;
    }
    expect(adjustedRandIndex(a.labels, b.labels)).toBeLessThan(0.99);
  });
});
