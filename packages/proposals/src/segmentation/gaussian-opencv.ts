import { roundHalfEven } from '@ssdet/data';

/**
 * `cv::GaussianBlur(src32F, dst, Size(0, 0), σ, σ)` on an interleaved float32 image: kernel
 * size ⌈8σ + 1⌉ rounded and made odd (OpenCV's rule for float images), kernel
 * w(i) = exp(−(i − (n−1)/2)² / 2σ²) rounded to float32 and normalised, rows then columns,
 * border `BORDER_REFLECT_101` (gfedcb | abcdefgh | gfedcba). Arithmetic is float32 as in
 * OpenCV; SIMD fused multiply-adds in some OpenCV builds can differ in the last bit.
 */
export function gaussianBlurOpenCv(
  image: Float32Array,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): Float32Array {
  const kernel = openCvGaussianKernel(sigma);
  const radius = (kernel.length - 1) >> 1;
  const fround = Math.fround;
  const afterRows = new Float32Array(image.length);
  const row = new Float32Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < channels; c++) {
      for (let x = -radius; x < width + radius; x++) {
        row[x + radius] = image[(y * width + reflect101(x, width)) * channels + c]!;
      }
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let k = 0; k < kernel.length; k++)
          sum = fround(sum + fround(kernel[k]! * row[x + k]!));
        afterRows[(y * width + x) * channels + c] = sum;
      }
    }
  }
  const out = new Float32Array(image.length);
  const column = new Float32Array(height + 2 * radius);
  for (let x = 0; x < width; x++) {
    for (let c = 0; c < channels; c++) {
      for (let y = -radius; y < height + radius; y++) {
        column[y + radius] = afterRows[(reflect101(y, height) * width + x) * channels + c]!;
      }
      for (let y = 0; y < height; y++) {
        // OpenCV's symmetric column filter: k₀·s₀ + Σ kⱼ·(s₊ⱼ + s₋ⱼ)
        const centre = y + radius;
        let sum = fround(kernel[radius]! * column[centre]!);
        for (let j = 1; j <= radius; j++) {
          sum = fround(
            sum + fround(kernel[radius + j]! * fround(column[centre + j]! + column[centre - j]!)),
          );
        }
        out[(y * width + x) * channels + c] = sum;
      }
    }
  }
  return out;
}

/** `getGaussianKernel(n, σ, CV_32F)` with n = cvRound(8σ + 1) | 1. */
export function openCvGaussianKernel(sigma: number): Float32Array {
  const s = sigma <= 0 ? 0.001 : sigma;
  const n = roundHalfEven(s * 8 + 1) | 1;
  const kernel = new Float32Array(n);
  const scale = -0.5 / (s * s);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = i - (n - 1) * 0.5;
    kernel[i] = Math.exp(scale * x * x);
    sum += kernel[i]!;
  }
  const inverse = 1 / sum;
  for (let i = 0; i < n; i++) kernel[i] = kernel[i]! * inverse;
  return kernel;
}

export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) {
    if (j < 0) j = -j;
    if (j >= n) j = 2 * n - 2 - j;
  }
  return j;
}
