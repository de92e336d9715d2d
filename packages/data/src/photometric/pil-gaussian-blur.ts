import { imageKernels } from '../native/image-kernels.js';
import { fromPilBytes, toPilBytes, type RgbImage } from './rgb-image.js';

/** Pillow's `GaussianBlur` always cascades three extended box filters. */
const PASSES = 3;
/** Pillow's box weights are 8.24 fixed point. */
const ONE = 1 << 24;
const HALF = 1 << 23;

/**
 * Pillow 9.4's `ImageFilter.GaussianBlur(radius=σ)` on an 8-bit image, bit for bit: not a
 * sampled Gaussian but three extended box filters per axis (Gwosdek et al. 2011), each pass
 * rounded back to 8 bits, the image border repeated. MoCo v2, DenseCL and SoCo blur this way
 * (on PIL images); torchvision's tensor-path blur is {@link gaussianBlur}.
 *
 * Where rounding happens: the float image (values in [0, 1], clamped) is quantised to the 8-bit
 * image PIL would hold, `round(255·x)`; Pillow's six passes then run in its own integer
 * arithmetic; the result is `k / 255`, what `ToTensor` makes of PIL's output. A value that came
 * from 8 bits (`k / 255`) survives the quantisation unchanged. Returns a new image.
 */
export function pilGaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const { width, height } = image;
  const bytes = toPilBytes(image);
  pilGaussianBlurBytes(bytes, width, height, 3, sigma);
  const out = new Float32Array(bytes.length);
  fromPilBytes(bytes, out);
  return { width, height, data: out };
}

/**
 * The 8-bit core of {@link pilGaussianBlur}, in place on interleaved (HWC) bytes with `channels`
 * channels per pixel.
 */
export function pilGaussianBlurBytes(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): void {
  if (!(sigma >= 0)) throw new RangeError(`Gaussian blur σ must be ≥ 0; got ${sigma}.`);
  if (pixels.length !== width * height * channels)
    throw new RangeError(
      `Expected ${width}×${height}×${channels} = ${width * height * channels} bytes; got ${pixels.length}.`,
    );
  if (width === 0 || height === 0) return;
  const box = boxWeights(pilBoxRadius(sigma));
  const native = imageKernels();
  if (native !== undefined) {
    native.pilGaussianBlur(pixels, width, height, channels, box.radius, box.inner, box.edge);
    return;
  }
  const stride = width * channels;
  const first = new Uint8Array(pixels.length);
  const second = new Uint8Array(pixels.length);
  const sums = new Int32Array(stride);
  // Pillow's order: three passes along every row, then three along every column, each pass
  // reading the previous pass's bytes. Rows go one channel at a time; columns a whole row of
  // bytes at a time, so that inner loop runs over contiguous bytes.
  for (const [source, target] of [
    [pixels, first],
    [first, second],
    [second, pixels],
  ] as const) {
    for (let y = 0; y < height; y++)
      for (let c = 0; c < channels; c++)
        boxPassLine(source, target, y * stride + c, width, channels, box);
  }
  for (const [source, target] of [
    [pixels, first],
    [first, second],
    [second, pixels],
  ] as const) {
    boxPass(source, target, 0, height, stride, stride, box, sums);
  }
}

/**
 * The radius of each of Pillow's three extended boxes for a Gaussian of standard deviation σ:
 * the integer box radius l and the fraction a of the two extra end taps chosen so that three
 * boxes have variance σ² (Gwosdek et al. 2011, eqs. 7, 11, 14). Pillow computes it in C `float`
 * (float32), partly via `double`; `Math.fround` reproduces each of those roundings.
 */
export function pilBoxRadius(sigma: number): number {
  const f = Math.fround;
  const radius = f(sigma);
  const sigma2 = f(f(radius * radius) / PASSES);
  const boxLength = f(Math.sqrt(12 * sigma2 + 1));
  const l = f(Math.floor((boxLength - 1) / 2));
  const lPlus1 = f(l + 1);
  const numerator = f(f(f(2 * l) + 1) * f(f(l * lPlus1) - f(3 * sigma2)));
  const a = f(numerator / f(6 * f(sigma2 - f(lPlus1 * lPlus1))));
  return f(l + a);
}

interface BoxWeights {
  /** Integer radius r: the box has 2r + 1 full taps. */
  readonly radius: number;
  /** Weight of each full tap, 8.24 fixed point. */
  readonly inner: number;
  /** Weight of each of the two end taps at ±(r + 1), 8.24 fixed point. */
  readonly edge: number;
}

/** Pillow's fixed-point weights for one extended box (C `float` and `UINT32` arithmetic). */
function boxWeights(floatRadius: number): BoxWeights {
  const radius = Math.trunc(floatRadius);
  const inner = Math.trunc(Math.fround(ONE / Math.fround(Math.fround(floatRadius * 2) + 1)));
  // Unsigned 32-bit subtraction, then halving, as in C.
  const edge = ((ONE - (2 * radius + 1) * inner) >>> 0) >>> 1;
  return { radius, inner, edge };
}

/**
 * One extended-box pass along the line of bytes `base + i·step`, i < count, from `source` into
 * `target`. Positions outside the line read its first or last byte (Pillow repeats the border).
 * Each output is Pillow's `(Σ full taps · inner + (the two end taps) · edge + 2²³) >> 24` in
 * 32-bit unsigned arithmetic.
 */
function boxPassLine(
  source: Uint8Array,
  target: Uint8Array,
  base: number,
  count: number,
  step: number,
  box: BoxWeights,
): void {
  const { radius, inner, edge } = box;
  const last = count - 1;
  const at = (i: number): number => base + (i < 0 ? 0 : i > last ? last : i) * step;
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += source[at(i)]!;
  // Where every tap is inside the line, walk the four taps by pointer instead of clamping.
  const middleStart = Math.min(radius + 1, count);
  const middleEnd = Math.max(middleStart, count - radius - 1);
  const output = (i: number): void => {
    const after = source[at(i + radius + 1)]!;
    const bulk = sum * inner + (source[at(i - radius - 1)]! + after) * edge;
    // `>>> 24` first wraps to 32 bits, like Pillow's UINT32 arithmetic.
    target[base + i * step] = (bulk + HALF) >>> 24;
    sum += after - source[at(i - radius)]!;
  };
  for (let i = 0; i < middleStart; i++) output(i);
  let before = base + (middleStart - radius - 1) * step;
  let leaving = before + step;
  let after = base + (middleStart + radius + 1) * step;
  let out = base + middleStart * step;
  for (let i = middleStart; i < middleEnd; i++) {
    const added = source[after]!;
    target[out] = (sum * inner + (source[before]! + added) * edge + HALF) >>> 24;
    sum += added - source[leaving]!;
    before += step;
    leaving += step;
    after += step;
    out += step;
  }
  for (let i = middleEnd; i < count; i++) output(i);
}

/**
 * {@link boxPassLine} on `lanes` lines at once: position i of lane j is byte `base + i·step + j`,
 * so the inner loop runs over contiguous bytes. `sums` holds each lane's running sum of the
 * 2r + 1 full taps.
 */
function boxPass(
  source: Uint8Array,
  target: Uint8Array,
  base: number,
  count: number,
  step: number,
  lanes: number,
  box: BoxWeights,
  sums: Int32Array,
): void {
  const { radius, inner, edge } = box;
  const last = count - 1;
  const at = (i: number): number => base + (i < 0 ? 0 : i > last ? last : i) * step;
  sums.fill(0, 0, lanes);
  for (let i = -radius; i <= radius; i++) {
    const from = at(i);
    for (let lane = 0; lane < lanes; lane++) sums[lane] = sums[lane]! + source[from + lane]!;
  }
  for (let i = 0; i < count; i++) {
    const out = base + i * step;
    const before = at(i - radius - 1);
    const after = at(i + radius + 1);
    const leaving = at(i - radius);
    for (let lane = 0; lane < lanes; lane++) {
      const sum = sums[lane]!;
      const bulk = sum * inner + (source[before + lane]! + source[after + lane]!) * edge;
      // `>>> 24` first wraps to 32 bits, like Pillow's UINT32 arithmetic.
      target[out + lane] = (bulk + HALF) >>> 24;
      sums[lane] = sum + source[after + lane]! - source[leaving + lane]!;
    }
  }
}
