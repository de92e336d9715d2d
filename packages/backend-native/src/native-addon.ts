import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The C++ addon (`native/*.cc`, built by `npm run build:native`). Every function takes
 * Float32Arrays and integer geometry and returns new Float32Arrays; shapes and layouts follow tfjs
 * (NHWC activations, HWIO filters, row-major everything).
 */
export interface NativeAddon {
  /** Geometry: n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw, pad top, bottom, left, right. */
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    geometry: readonly number[],
    bias: Float32Array | null,
    activation: number,
    alpha: number,
  ): Float32Array;
  conv2dBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    geometry: readonly number[],
  ): Float32Array;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    geometry: readonly number[],
  ): Float32Array;
  /** Geometry: batchA, batchB, m, k, n, transposeA (0/1), transposeB (0/1). */
  matmul(
    a: Float32Array,
    b: Float32Array,
    geometry: readonly number[],
    bias: Float32Array | null,
    activation: number,
    alpha: number,
  ): Float32Array;
  /** Geometry: n, ih, iw, c, kh, kw, oh, ow, sh, sw, pad top, bottom, left, right; kind 0 max, 1 avg. */
  pool(x: Float32Array, geometry: readonly number[], kind: number): Float32Array;
  maxPoolBackprop(dy: Float32Array, x: Float32Array, geometry: readonly number[]): Float32Array;
  avgPoolBackprop(dy: Float32Array, geometry: readonly number[]): Float32Array;
  /** Shape [n, h, w, c]; returns [y, mean, biased variance]. */
  batchNormForward(
    x: Float32Array,
    scale: Float32Array,
    offset: Float32Array,
    shape: readonly number[],
    epsilon: number,
  ): [Float32Array, Float32Array, Float32Array];
  /** Returns [dx, dscale, doffset]. */
  batchNormBackward(
    x: Float32Array,
    dy: Float32Array,
    scale: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    shape: readonly number[],
    epsilon: number,
  ): [Float32Array, Float32Array, Float32Array];
  /**
   * Geometry: batch, length, heads, head dim, queries, points; spatial shapes H₀, W₀, H₁, W₁, ….
   * Returns the sampled `[B, Q, M·D]` values.
   */
  deformableSamplingForward(
    value: Float32Array,
    locations: Float32Array,
    attention: Float32Array,
    geometry: readonly number[],
    spatialShapes: readonly number[],
  ): Float32Array;
  /** Returns [∂value, ∂locations, ∂attention]. */
  deformableSamplingBackward(
    value: Float32Array,
    locations: Float32Array,
    attention: Float32Array,
    dy: Float32Array,
    geometry: readonly number[],
    spatialShapes: readonly number[],
  ): [Float32Array, Float32Array, Float32Array];
  binary(
    op: number,
    a: Float32Array,
    aShape: readonly number[],
    b: Float32Array,
    bShape: readonly number[],
    outShape: readonly number[],
  ): Float32Array;
  unary(op: number, x: Float32Array, alpha: number): Float32Array;
  /** Returns [variable, buffer]. */
  sgdUpdate(
    variable: Float32Array,
    gradient: Float32Array,
    buffer: Float32Array,
    lr: number,
    momentum: number,
    weightDecay: number,
    nesterov: boolean,
  ): [Float32Array, Float32Array];
  /** Returns [variable, buffer]. */
  larsUpdate(
    variable: Float32Array,
    gradient: Float32Array,
    buffer: Float32Array,
    lr: number,
    momentum: number,
    weightDecay: number,
    trustCoefficient: number,
    eps: number,
    adapted: boolean,
  ): [Float32Array, Float32Array];
  /** Returns [variable, expAvg, expAvgSq, step]. */
  adamwUpdate(
    variable: Float32Array,
    gradient: Float32Array,
    expAvg: Float32Array,
    expAvgSq: Float32Array,
    step: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
  ): [Float32Array, Float32Array, Float32Array, Float32Array];
  /** Where output arrays of at least 65 536 elements are requested first (recycled ones). */
  setOutputSource(source: ((length: number) => Float32Array | null) | null): void;
  /** Inputs viewed as [outer, inner_i], joined into [outer, Σ inner_i]. */
  concat(inputs: readonly Float32Array[], inners: readonly number[], outer: number): Float32Array;
  /** x viewed as [outer, axisSize, inner]; out[o, n, :] = x[o, indices[n], :] (indices in range). */
  gather(
    x: Float32Array,
    indices: Int32Array,
    outer: number,
    axisSize: number,
    inner: number,
  ): Float32Array;
  /** Softmax of each of `rows` contiguous rows of `cols` logits. */
  softmax(logits: Float32Array, rows: number, cols: number): Float32Array;
  addN(inputs: readonly Float32Array[], size: number): Float32Array;
  /** `null` when the axes form a pattern the addon does not handle. */
  reduce(
    op: number,
    x: Float32Array,
    shape: readonly number[],
    axes: readonly number[],
  ): Float32Array | null;
  pad(
    x: Float32Array,
    shape: readonly number[],
    before: readonly number[],
    after: readonly number[],
    value: number,
  ): Float32Array;
  slice(
    x: Float32Array,
    shape: readonly number[],
    begin: readonly number[],
    size: readonly number[],
  ): Float32Array;
  transpose(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array;
  setNumThreads(count: number): void;
  getNumThreads(): number;
  onednnVersion(): string;
}

/**
 * Where node-gyp puts the addon. `binding.gyp` lives in `native/`, not the package root, so that
 * npm does not try to compile it at install time (its default for a root `binding.gyp`).
 */
export const ADDON_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'native',
  'build',
  'Release',
  'ssdet_native.node',
);

export const BUILD_HINT =
  'run `npm run build:native -w @ssdet/backend-native` (needs libdnnl-dev: `apt-get install libdnnl-dev`)';

/**
 * Loads the addon, or throws an Error whose first line says why and how to fix it — the core's
 * backend selection reports that line as the reason the `native` backend was skipped.
 */
export function loadNativeAddon(): NativeAddon {
  // OpenMP workers that spin between kernels steal the CPU the JavaScript between kernels needs
  // (measured: a ResNet-18 step 2.8× slower on 2 shared cores). libgomp reads this when the
  // addon loads it; an explicit OMP_WAIT_POLICY wins.
  process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
  const require = createRequire(import.meta.url);
  try {
    return require(ADDON_PATH) as NativeAddon;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const notBuilt =
      error instanceof Error && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const headline = notBuilt
      ? `the native addon is not built: ${BUILD_HINT}`
      : `the native addon failed to load (is libdnnl installed? rebuild with \`npm run build:native -w @ssdet/backend-native\`): ${cause.split('\n')[0]}`;
    throw new Error(`${headline}\n${cause}`, { cause: error });
  }
}

/** Whether the addon can be loaded, without throwing (for tests and tools). */
export function isNativeAddonBuilt(): boolean {
  try {
    loadNativeAddon();
    return true;
  } catch {
    return false;
  }
}
