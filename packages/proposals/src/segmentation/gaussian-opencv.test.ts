import { describe, expect, it } from 'vitest';
import { rgbToHsv } from '../colour/opencv-colour.js';
import { fromDecoded } from '../image/interleaved-image.js';
import { readBytes } from '../test-support/fixtures.js';
import { exactPhoto, opencvExact, sha256 } from '../test-support/opencv-exact.js';
import { gaussianBlurOpenCv, openCvGaussianKernel } from './gaussian-opencv.js';

const bytesOf = (values: Float32Array): Uint8Array =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

describe('gaussianBlurOpenCv vs cv2.GaussianBlur on float32 images (OpenCV 4.6, AVX2)', () => {
  const fixture = opencvExact();

  it('builds the kernels of cv2.getGaussianKernel(…, CV_32F) bit for bit', () => {
    const sigmas = Object.keys(fixture.gaussianKernels);
    expect(sigmas).toContain(String(Math.fround(0.8)));
    for (const sigma of sigmas) {
      expect([sigma, ...openCvGaussianKernel(Number(sigma))]).toEqual([
        sigma,
        ...fixture.gaussianKernels[sigma]!,
      ]);
    }
  });

  it('blurs bit for bit: noise (scalar tails) and a photo, σ 0.8, float(0.8), 1', async () => {
    const noise = Float32Array.from(readBytes('resize-noise.rgb'));
    const photo = rgbToHsv(fromDecoded(await exactPhoto('chelsea', 'full')));
    const images = {
      noise: { data: noise, width: 23, height: 17 },
      'chelsea-hsv': {
        data: Float32Array.from(photo.data),
        width: photo.width,
        height: photo.height,
      },
    };
    for (const [name, image] of Object.entries(images)) {
      for (const [sigma, expected] of Object.entries(fixture.gaussianBlur[name]!)) {
        const blurred = gaussianBlurOpenCv(image.data, image.width, image.height, 3, Number(sigma));
        expect([name, sigma, sha256(bytesOf(blurred))]).toEqual([name, sigma, expected]);
      }
    }
  });
});
