import { roundHalfEven } from '@ssdet/data';
import { fmaFloat32 } from '../colour/single-precision.js';
import { proposalKernels } from '../native/proposal-kernels.js';

/**
 * `cv::GaussianBlur(src32F, dst, Size(0, 0), σ, σ)` on an interleaved float32 image, bit-exact
 * to OpenCV 4.6 on x86-64 CPUs with AVX2 and FMA (where OpenCV runs its AVX2 filter code):
 * kernel from {@link openCvGaussianKernel}, rows then columns, border `BORDER_REFLECT_101`
 * (gfedcb | abcdefgh | gfedcba).
 * - Rows: s = Σₖ kₖ·xₖ accumulated left to right with fused multiply-adds (binary32, one
 *   rounding each).
 * - Columns (OpenCV's symmetric column filter): s = k₀·x₀, then s = fma(x₊ⱼ + x₋ⱼ, kⱼ, s) for
 *   j = 1 … radius.
 * OpenCV on a CPU without FMA rounds each product separately and can differ in the last bit.
 */
export function gaussianBlurOpenCv(
  image: Float32Array,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): Float32Array {
  const kernel = openCvGaussianKernel(sigma);
  const native = proposalKernels();
  if (native !== undefined) return native.gaussianBlur(image, width, height, channels, kernel);
  const taps = kernel.length;
  const radius = (taps - 1) >> 1;
  const fround = Math.fround;
  const fma = fmaFloat32;
  const afterRows = new Float32Array(image.length);
  const row = new Float32Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < channels; c++) {
      for (let x = -radius; x < width + radius; x++) {
        row[x + radius] = image[(y * width + reflect101(x, width)) * channels + c]!;
      }
      for (let x = 0; x < width; x++) {
        let sum = fround(row[x]! * kernel[0]!);
        for (let k = 1; k < taps; k++) sum = fma(row[x + k]!, kernel[k]!, sum);
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
        const centre = y + radius;
        let sum = fround(column[centre]! * kernel[radius]!);
        for (let j = 1; j <= radius; j++) {
          sum = fma(fround(column[centre + j]! + column[centre - j]!), kernel[radius + j]!, sum);
        }
        out[(y * width + x) * channels + c] = sum;
      }
    }
  }
  return out;
}

/**
 * `getGaussianKernel(n, σ, CV_32F)` with n = cvRound(8σ + 1) | 1, as OpenCV 4 computes it: the
 * values exp(−x²/2σ²) and their normalisation in double precision, rounded to binary32 only at
 * the end (the centre tap is exactly 1 / sum).
 */
export function openCvGaussianKernel(sigma: number): Float32Array {
  const s = sigma <= 0 ? 0.001 : sigma;
  const n = roundHalfEven(s * 8 + 1) | 1;
  const half = (n - 1) / 2;
  // x runs over 2·(i − half) so that x² · (−1/8σ²) = −(i − half)²/2σ² with x integral.
  const scale = -0.125 / (s * s);
  const values = new Float64Array(half);
  let sum = 0;
  for (let i = 0, x = 1 - n; i < half; i++, x += 2) {
    values[i] = Math.exp(x * x * scale);
    sum += values[i]!;
  }
  const inverse = 1 / (2 * sum + 1);
  const kernel = new Float32Array(n);
  for (let i = 0; i < half; i++) kernel[i] = kernel[n - 1 - i] = values[i]! * inverse;
  kernel[half] = inverse;
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
