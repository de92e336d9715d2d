import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingOpCode, type OpCodes } from './op-codes.js';

/**
 * Where a 2-D window — a convolution's filter, a pooling window — runs over an NHWC map, named as
 * in tfjs's `Conv2DInfo`; pooling's attributes (as many channels out as in). Padding may differ
 * between the two sides ('same' with an odd total).
 */
export interface Window2DAttrs {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padBottom: number;
  readonly padLeft: number;
  readonly padRight: number;
}

/** A convolution of NHWC data with an HWIO filter; dilations as tfjs counts them (1: none). */
export interface Conv2DAttrs extends Window2DAttrs {
  readonly outChannels: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
}

/**
 * What a convolution or matmul fuses after its bias: an activation, and LeakyRelu's slope
 * (ignored by the others).
 */
export interface FusedActivationAttrs {
  /** `addon.opCodes.activation.<Name>`. */
  readonly activation: number;
  readonly leakyreluAlpha: number;
}

/** `[batchA, m, k] · [batchB, k, n]` with each side read transposed or not; a batch of 1 broadcasts. */
export interface MatMulAttrs {
  readonly batchA: number;
  readonly batchB: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/** Channels-last data viewed as `[rows, channels]`. */
export interface BatchNormAttrs {
  readonly rows: number;
  readonly channels: number;
  readonly epsilon: number;
}

/**
 * Value `[batch, length, heads, headDim]`; `queries` sampling `points` per level;
 * `spatialShapes` `[H₀, W₀, H₁, W₁, …]`, whose areas sum to `length`.
 */
export interface DeformableSamplingAttrs {
  readonly batch: number;
  readonly length: number;
  readonly heads: number;
  readonly headDim: number;
  readonly queries: number;
  readonly points: number;
  readonly spatialShapes: readonly number[];
}

/** `x` viewed as `[outer, axisSize, inner]`, gathered along the middle axis. */
export interface GatherAttrs {
  readonly outer: number;
  readonly axisSize: number;
  readonly inner: number;
}

/** `rows` contiguous rows of `cols` logits. */
export interface SoftmaxAttrs {
  readonly rows: number;
  readonly cols: number;
}

/** Data viewed as `[rows, cols]`, normalised along each row. */
export interface LayerNormAttrs {
  readonly rows: number;
  readonly cols: number;
  readonly epsilon: number;
}

/** The shortest output the addon asks the output source for. */
export interface OutputSourceAttrs {
  readonly minLength: number;
}

/** `@ssdet/core`'s SsdetDropout over `size` elements: keep probability and Philox seed. */
export interface DropoutAttrs {
  readonly size: number;
  readonly keep: number;
  readonly seed: number;
}

/**
 * The attributes of `@ssdet/nn`'s soft-target cross-entropy kernels: `[rows, cols]` student and
 * teacher logits, a `[cols]` centre, and the temperatures.
 */
export interface SoftTargetCrossEntropyAttrs {
  readonly rows: number;
  readonly cols: number;
  readonly studentTemperature: number;
  readonly teacherTemperature: number;
}

/** The attributes of `@ssdet/core`'s `SsdetSgdUpdate`. */
export interface SgdUpdateAttrs {
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

/** The attributes of `@ssdet/core`'s `SsdetLarsUpdate`. */
export interface LarsUpdateAttrs {
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly trustCoefficient: number;
  readonly eps: number;
  readonly adapted: boolean;
}

/** The attributes of `@ssdet/core`'s `SsdetAdamWUpdate`. */
export interface AdamWUpdateAttrs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

/** The attributes of `@ssdet/core`'s `SsdetEmaUpdate`. */
export interface EmaUpdateAttrs {
  readonly momentum: number;
}

/**
 * Where an update writes each updated input, in order: an array of its length (its own, for an
 * in-place update) or null for a new array.
 */
export type UpdateTargets = readonly (Float32Array | null)[];

/**
 * The C++ addon (`native/*.cc`, built by `npm run build:native`), called as tfjs-node's kernels
 * are: tensors as Float32Arrays (shapes and layouts as tfjs's: NHWC activations, HWIO filters,
 * row-major everything), and a call's geometry and hyper-parameters as objects of named
 * attributes, typed by the `…Attrs` interfaces above and read by name on the C++ side (a missing
 * or ill-typed attribute is a TypeError naming it). Build each as one object literal: V8 spreads
 * (`{ ...a, b }`) of objects this size cost microseconds. Variable-length lists — shapes, axes,
 * a permutation — stay arrays. Op codes come from {@link NativeAddon.opCodes}. Every function
 * returns new Float32Arrays, except the updates into the arrays their `into` names.
 */
export interface NativeAddon {
  /** The op codes, defined once in `native/op_codes.h`: `opCodes.binary.Mul` and so on. */
  readonly opCodes: OpCodes;
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    attrs: Conv2DAttrs,
    fused: FusedActivationAttrs,
  ): Float32Array;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, attrs: Conv2DAttrs): Float32Array;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, attrs: Conv2DAttrs): Float32Array;
  matmul(
    a: Float32Array,
    b: Float32Array,
    bias: Float32Array | null,
    attrs: MatMulAttrs,
    fused: FusedActivationAttrs,
  ): Float32Array;
  /** `op`: `opCodes.pool.Max` or `.Avg`. */
  pool(op: number, x: Float32Array, attrs: Window2DAttrs): Float32Array;
  maxPoolBackprop(dy: Float32Array, x: Float32Array, attrs: Window2DAttrs): Float32Array;
  avgPoolBackprop(dy: Float32Array, attrs: Window2DAttrs): Float32Array;
  /** Returns [y, mean, biased variance]. */
  batchNormForward(
    x: Float32Array,
    scale: Float32Array,
    offset: Float32Array,
    attrs: BatchNormAttrs,
  ): [Float32Array, Float32Array, Float32Array];
  /** Returns [dx, dscale, doffset]. */
  batchNormBackward(
    x: Float32Array,
    dy: Float32Array,
    scale: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    attrs: BatchNormAttrs,
  ): [Float32Array, Float32Array, Float32Array];
  /** Returns the sampled `[B, Q, M·D]` values. */
  deformableSamplingForward(
    value: Float32Array,
    locations: Float32Array,
    attention: Float32Array,
    attrs: DeformableSamplingAttrs,
  ): Float32Array;
  /** Returns [∂value, ∂locations, ∂attention]. */
  deformableSamplingBackward(
    value: Float32Array,
    locations: Float32Array,
    attention: Float32Array,
    dy: Float32Array,
    attrs: DeformableSamplingAttrs,
  ): [Float32Array, Float32Array, Float32Array];
  /** `op`: `opCodes.binary.<Name>`; NumPy broadcasting of both shapes to `outShape`. */
  binary(
    op: number,
    a: Float32Array,
    aShape: readonly number[],
    b: Float32Array,
    bShape: readonly number[],
    outShape: readonly number[],
  ): Float32Array;
  /** `op`: `opCodes.unary.<Name>`; `alpha` is Step's and LeakyRelu's α. */
  unary(op: number, x: Float32Array, alpha: number): Float32Array;
  /** Inputs [variable, gradient, buffer]; returns [variable, buffer] (written into `into`'s). */
  sgdUpdate(
    inputs: readonly Float32Array[],
    attrs: SgdUpdateAttrs,
    into?: UpdateTargets,
  ): Float32Array[];
  /** Inputs [variable, gradient, buffer]; returns [variable, buffer] (written into `into`'s). */
  larsUpdate(
    inputs: readonly Float32Array[],
    attrs: LarsUpdateAttrs,
    into?: UpdateTargets,
  ): Float32Array[];
  /** Inputs [variable, gradient, expAvg, expAvgSq, step]; returns [variable, expAvg, expAvgSq, step]. */
  adamwUpdate(
    inputs: readonly Float32Array[],
    attrs: AdamWUpdateAttrs,
    into?: UpdateTargets,
  ): Float32Array[];
  /** Inputs [target, online]; returns [m·target + (1 − m)·online] (written into `into`'s). */
  emaUpdate(
    inputs: readonly Float32Array[],
    attrs: EmaUpdateAttrs,
    into?: UpdateTargets,
  ): Float32Array[];
  /**
   * Where output arrays of `attrs.minLength` elements or more are requested first (recycled
   * ones); `null` stops asking.
   */
  setOutputSource(
    source: ((length: number) => Float32Array | null) | null,
    attrs?: OutputSourceAttrs,
  ): void;
  /** Inputs viewed as [outer, inner_i], joined into [outer, Σ inner_i]. */
  concat(inputs: readonly Float32Array[], inners: readonly number[], outer: number): Float32Array;
  /** out[o, n, :] = x[o, indices[n], :] (indices in range). */
  gather(x: Float32Array, indices: Int32Array, attrs: GatherAttrs): Float32Array;
  /** Softmax of each row. */
  softmax(logits: Float32Array, attrs: SoftmaxAttrs): Float32Array;
  /** Returns [y, mean, rstd] of layer normalisation over each row. */
  layerNorm(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    attrs: LayerNormAttrs,
  ): [Float32Array, Float32Array, Float32Array];
  /** Returns [dx, dgamma, dbeta] of {@link NativeAddon.layerNorm}. */
  layerNormGrad(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    attrs: LayerNormAttrs,
  ): [Float32Array, Float32Array, Float32Array];
  /** x · m, m the Philox keep multipliers of `@ssdet/core`'s `dropoutMultipliers`. */
  dropout(x: Float32Array, attrs: DropoutAttrs): Float32Array;
  addN(inputs: readonly Float32Array[], size: number): Float32Array;
  /** Returns [mean over rows of −Σ softmax((t − c)/τ_t)·log softmax(s/τ_s)] (0 for no rows). */
  softTargetCrossEntropy(
    student: Float32Array,
    teacher: Float32Array,
    center: Float32Array,
    attrs: SoftTargetCrossEntropyAttrs,
  ): Float32Array;
  /** Returns the `[rows, cols]` gradient wrt the student, dy[0]·(softmax(s/τ_s) − p)/(τ_s·rows). */
  softTargetCrossEntropyGrad(
    student: Float32Array,
    teacher: Float32Array,
    center: Float32Array,
    dy: Float32Array,
    attrs: SoftTargetCrossEntropyAttrs,
  ): Float32Array;
  /** `op`: `opCodes.reduce.<Name>`; `null` when the axes form a pattern the addon does not handle. */
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

/**
 * The prebuilt package for this platform (`npm run prebuild` makes it; sharp's
 * `@img/sharp-<platform>` pattern): its addon carries oneDNN beside it, so no compiler or apt step
 * is needed. Preferred over a local build when installed.
 */
export const PREBUILT_PACKAGE = `@ssdet/backend-native-${process.platform}-${process.arch}`;

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
  let addon: NativeAddon;
  try {
    addon = require(prebuiltAddonPath(require) ?? ADDON_PATH) as NativeAddon;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const notBuilt =
      error instanceof Error && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const headline = notBuilt
      ? `the native addon is not built: ${BUILD_HINT}`
      : `the native addon failed to load (is libdnnl installed? rebuild with \`npm run build:native -w @ssdet/backend-native\`): ${cause.split('\n')[0]}`;
    throw new Error(`${headline}\n${cause}`, { cause: error });
  }
  const missing = missingOpCode(addon.opCodes);
  if (missing !== undefined) {
    throw new Error(
      `the native addon is out of date (its opCodes have no ${missing}): ${BUILD_HINT}`,
    );
  }
  return addon;
}

/** The installed prebuilt package's addon, if there is one. */
function prebuiltAddonPath(require: NodeJS.Require): string | undefined {
  try {
    return require.resolve(`${PREBUILT_PACKAGE}/ssdet_native.node`);
  } catch {
    return undefined;
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
