import { imageKernels } from '../native/image-kernels.js';

/**
 * Antialiased bilinear resampling of an 8-bit RGB region to float RGB in [0, 1] — torchvision's
 * `resize(..., antialias=True)` (ATen `_upsample_bilinear2d_aa`, the same filter as PIL's
 * bilinear): each output pixel i has centre c = s·(i + ½) in input pixels, s = in/out; it averages
 * the inputs j within the support r = max(s, 1) of c with triangle weights
 * w_j = max(0, 1 − |j + ½ − c| / max(s, 1)), normalised to sum 1. Separable: rows, then columns.
 * `flipped` mirrors the result left–right (every value is computed as without the mirror).
 */
export function resampleRegion(
  pixels: Uint8Array,
  imageWidth: number,
  region: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  },
  outWidth: number,
  outHeight: number,
  flipped = false,
): Float32Array {
  const columns = filterTaps(region.width, outWidth);
  const rows = filterTaps(region.height, outHeight);
  const native = imageKernels();
  if (native !== undefined) {
    return native.resampleRegion(
      pixels,
      imageWidth,
      pixels.length / (imageWidth * 3),
      Int32Array.of(region.x, region.y, region.width, region.height),
      outWidth,
      outHeight,
      columns,
      rows,
      flipped,
    );
  }
  // Horizontal pass over only the input rows some output row needs.
  const horizontal = new Float32Array(region.height * outWidth * 3);
  for (let y = 0; y < region.height; y++) {
    const sourceRow = ((region.y + y) * imageWidth + region.x) * 3;
    const targetRow = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const start = columns.start[x]!;
      const count = columns.count[x]!;
      const base = columns.offset[x]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < count; k++) {
        const weight = columns.weights[base + k]!;
        const at = sourceRow + (start + k) * 3;
        r += weight * pixels[at]!;
        g += weight * pixels[at + 1]!;
        b += weight * pixels[at + 2]!;
      }
      const to = targetRow + x * 3;
      horizontal[to] = r;
      horizontal[to + 1] = g;
      horizontal[to + 2] = b;
    }
  }
  const out = new Float32Array(outWidth * outHeight * 3);
  const stride = outWidth * 3;
  for (let y = 0; y < outHeight; y++) {
    const start = rows.start[y]!;
    const count = rows.count[y]!;
    const base = rows.offset[y]!;
    const target = y * stride;
    for (let k = 0; k < count; k++) {
      const weight = rows.weights[base + k]! / 255;
      const source = (start + k) * stride;
      for (let i = 0; i < stride; i++)
        out[target + i] = out[target + i]! + weight * horizontal[source + i]!;
    }
  }
  return flipped ? mirrorRows(out, outWidth, outHeight) : out;
}

function mirrorRows(pixels: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + x * 3;
      const to = row + (width - 1 - x) * 3;
      out[to] = pixels[from]!;
      out[to + 1] = pixels[from + 1]!;
      out[to + 2] = pixels[from + 2]!;
    }
  }
  return out;
}

interface FilterTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly offset: Int32Array;
  readonly weights: Float64Array;
}

function filterTaps(inSize: number, outSize: number): FilterTaps {
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1;
  const inverse = scale >= 1 ? 1 / scale : 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const offset = new Int32Array(outSize);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const centre = scale * (i + 0.5);
    const low = Math.max(Math.trunc(centre - support + 0.5), 0);
    const high = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    const base = i * maxTaps;
    for (let j = low; j < high; j++) {
      const distance = Math.abs((j - centre + 0.5) * inverse);
      const weight = distance < 1 ? 1 - distance : 0;
      weights[base + j - low] = weight;
      total += weight;
    }
    for (let j = low; j < high; j++)
      weights[base + j - low] = total > 0 ? weights[base + j - low]! / total : 0;
    start[i] = low;
    count[i] = high - low;
    offset[i] = base;
  }
  return { start, count, offset, weights };
}
