import { describe, expect, it } from 'vitest';
import { identityGeometry, cropGeometry } from '../geometry/view-geometry.js';
import { renderView } from '../geometry/render-view.js';
import { maxAbsDifference } from '@ssdet/test-support';
import { loadTransformGolden } from '../test-support/fixtures.js';
import { adjustBrightness } from './adjust-brightness.js';
import { adjustContrast } from './adjust-contrast.js';
import { adjustHue } from './adjust-hue.js';
import { adjustSaturation } from './adjust-saturation.js';
import { applyColorJitter } from './color-jitter.js';
import { gaussianBlur } from './gaussian-blur.js';
import { grayscale } from './grayscale.js';
import { normalize } from './normalize.js';
import { toRgbImage, type RgbImage } from './rgb-image.js';
import { solarize } from './solarize.js';

/**
 * Agreement with torchvision 0.14 (tensor path, float32) on the committed golden image. The
 * photometric ops are the same arithmetic, so they must agree to float32 rounding: 1e-5.
 */
const golden = loadTransformGolden();
const fresh = (): RgbImage =>
  toRgbImage(golden.input.pixels, golden.input.width, golden.input.height);
const expected = (name: string): Float32Array => {
  const found = golden.cases.get(name);
  if (found === undefined) throw new Error(`fixture has no case ${name}`);
  return found.data;
};
const factor = (name: string): number => golden.cases.get(name)!.params['factor'] as number;

describe('photometric transforms equal torchvision (max |Δ| ≤ 1e-5)', () => {
  const cases: [string, (image: RgbImage) => RgbImage][] = [
    ['brightness', (image) => (adjustBrightness(image, factor('brightness')), image)],
    ['brightness_dark', (image) => (adjustBrightness(image, factor('brightness_dark')), image)],
    ['contrast', (image) => (adjustContrast(image, factor('contrast')), image)],
    ['contrast_up', (image) => (adjustContrast(image, factor('contrast_up')), image)],
    ['saturation', (image) => (adjustSaturation(image, factor('saturation')), image)],
    ['saturation_down', (image) => (adjustSaturation(image, factor('saturation_down')), image)],
    ['hue', (image) => (adjustHue(image, factor('hue')), image)],
    ['hue_negative', (image) => (adjustHue(image, factor('hue_negative')), image)],
    ['grayscale', (image) => (grayscale(image), image)],
    ['blur', (image) => gaussianBlur(image, 7, 1.3)],
    ['blur_wide', (image) => gaussianBlur(image, 23, 2.0)],
    ['solarize', (image) => (solarize(image, 0.5), image)],
    ['normalize', (image) => (normalize(image), image)],
    [
      'jitter',
      (image) => (
        applyColorJitter(image, {
          order: [1, 3, 0, 2],
          brightness: 1.2,
          contrast: 0.8,
          saturation: 0.7,
          hue: -0.05,
        }),
        image
      ),
    ],
  ];
  for (const [name, apply] of cases) {
    it(name, () => {
      expect(maxAbsDifference(apply(fresh()).data, expected(name))).toBeLessThan(1e-5);
    });
  }
});

describe('crop + resize equals torchvision resize(antialias=True) (max |Δ| ≤ 1e-5)', () => {
  for (const [name, width, height] of [
    ['crop_resize_down', 20, 15],
    ['crop_resize_up', 60, 45],
  ] as const) {
    it(name, () => {
      const geometry = cropGeometry(
        identityGeometry(golden.input.width, golden.input.height),
        [5, 3, 45, 33],
        width,
        height,
      );
      const ours = renderView(
        { width: golden.input.width, height: golden.input.height, pixels: golden.input.pixels },
        geometry,
      );
      expect(maxAbsDifference(ours, expected(name))).toBeLessThan(1e-5);
    });
  }
});
