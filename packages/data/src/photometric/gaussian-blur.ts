import { imageKernels } from '../native/image-kernels.js';
import type { RgbImage } from './rgb-image.js';

/**
 * torchvision `gaussian_blur` (tensor path): a separable kernel
 * g(x) = exp(−x² / 2σ²) / Σ, x ∈ {−(k−1)/2, …, (k−1)/2}, with reflect padding. Returns a new image.
 *
 * @param kernelSize odd; the usual rule is about 10% of the image side (BYOL: 23 at 224).
 */
export function gaussianBlur(image: RgbImage, kernelSize: number, sigma: number): RgbImage {
  if (kernelSize % 2 !== 1 || kernelSize < 1)
    throw new RangeError(`Gaussian blur kernel size must be odd and positive; got ${kernelSize}.`);
  const full = gaussianKernel1d(kernelSize, sigma);
  const half = (kernelSize - 1) / 2;
  // Taps whose weight is below 1e-9 change no float32 result (23 taps at σ = 0.5 keep 13);
  // skipping them is what makes small σ cheap. The kept weights stay torchvision's.
  let first = 0;
  while (first < half && full[first]! < 1e-9) first += 1;
  const kept = full.subarray(first, kernelSize - first);
  const { width, height } = image;
  const native = imageKernels();
  if (native !== undefined)
    return { width, height, data: native.gaussianBlur(image.data, width, height, kept) };
  const taps = Array.from(kept);
  const reach = half - first;
  const stride = width * 3;

  // Rows: reflect-pad one row, then one multiply–add sweep per tap (contiguous, so it is fast).
  const horizontal = new Float32Array(image.data.length);
  const padded = new Float32Array((width + 2 * reach) * 3);
  const columnIndex = reflectIndices(width, reach);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let i = 0; i < columnIndex.length; i++) {
      const source = row + columnIndex[i]! * 3;
      padded[3 * i] = image.data[source]!;
      padded[3 * i + 1] = image.data[source + 1]!;
      padded[3 * i + 2] = image.data[source + 2]!;
    }
    for (let k = 0; k < taps.length; k++) {
      const weight = taps[k]!;
      const offset = k * 3;
      for (let i = 0; i < stride; i++)
        horizontal[row + i] = horizontal[row + i]! + weight * padded[offset + i]!;
    }
  }
  // Columns: whole rows at a time, reflecting row indices.
  const out = new Float32Array(image.data.length);
  const rowIndex = reflectIndices(height, reach);
  for (let y = 0; y < height; y++) {
    const target = y * stride;
    for (let k = 0; k < taps.length; k++) {
      const weight = taps[k]!;
      const source = rowIndex[y + k]! * stride;
      for (let i = 0; i < stride; i++)
        out[target + i] = out[target + i]! + weight * horizontal[source + i]!;
    }
  }
  return { width, height, data: out };
}

/** The normalised 1-D kernel torchvision builds (`_get_gaussian_kernel1d`). */
export function gaussianKernel1d(kernelSize: number, sigma: number): Float64Array {
  const half = (kernelSize - 1) / 2;
  const kernel = new Float64Array(kernelSize);
  let sum = 0;
  for (let i = 0; i < kernelSize; i++) {
    const x = -half + i;
    kernel[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    sum += kernel[i]!;
  }
  for (let i = 0; i < kernelSize; i++) kernel[i] = kernel[i]! / sum;
  return kernel;
}

/** For padded positions 0 … n + 2·pad − 1, the source index under reflect padding (edge not repeated). */
function reflectIndices(n: number, pad: number): Int32Array {
  const indices = new Int32Array(n + 2 * pad);
  const period = 2 * (n - 1);
  for (let i = 0; i < indices.length; i++) {
    if (n === 1) {
      indices[i] = 0;
      continue;
    }
    let j = Math.abs(i - pad) % period;
    if (j >= n) j = period - j;
    indices[i] = j;
  }
  return indices;
}

/** The kernel-size rule of BYOL / SimCLR: the odd number nearest to 10% of the view side. */
export function blurKernelSizeFor(side: number): number {
  const size = Math.round(side * 0.1);
  return size % 2 === 1 ? size : size + 1;
}
