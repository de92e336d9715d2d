/**
 * `@ssdet/backend-native`: importing it registers the tfjs backend `native` — tfjs-backend-cpu
 * with its hot kernels in C++ on oneDNN — with the process's `@tensorflow/tfjs-core`, or throws an
 * Error whose first line says why it cannot (addon not built, oneDNN missing).
 */
import '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from './native-addon.js';
import { registerNativeBackend } from './register-native-backend.js';
import { applyThreadCount, resolveThreadCount } from './threads.js';

const addon = loadNativeAddon();
applyThreadCount(addon, resolveThreadCount());
registerNativeBackend(addon);

/** Sets the OpenMP thread count of the native kernels (default: all cores, or `SSDET_NATIVE_THREADS`). */
export function setNativeThreads(count: number): void {
  applyThreadCount(addon, count);
}

/** The thread count the native kernels use now. */
export function nativeThreads(): number {
  return addon.getNumThreads();
}

/** The oneDNN version the addon runs on, e.g. "2.6.3". */
export function onednnVersion(): string {
  return addon.onednnVersion();
}

export type { NativeKernelArgs, NativeKernelConfig } from './kernels/native-kernel.js';
export type {
  AdamWUpdateAttrs,
  BatchNormAttrs,
  Conv2DAttrs,
  DeformableSamplingAttrs,
  FusedActivationAttrs,
  GatherAttrs,
  LarsUpdateAttrs,
  MatMulAttrs,
  NativeAddon,
  SgdUpdateAttrs,
  SoftmaxAttrs,
  Window2DAttrs,
} from './native-addon.js';
export type { OpCodes, OpFamily, OpName } from './op-codes.js';
export { NATIVE_BACKEND_NAME, NativeBackend } from './native-backend.js';
export { NATIVE_BACKEND_PRIORITY, NATIVE_KERNELS } from './register-native-backend.js';
export { THREADS_ENV, resolveThreadCount } from './threads.js';
export { nativeProposalKernels, type NativeProposalKernels } from './proposal-kernels.js';
export {
  nativeImageKernels,
  nativeJpegDecoder,
  type JpegDecodeOptions,
  type JpegDecodeResult,
  type NativeImageKernels,
  type NativeJpegDecoder,
  type ResampleTaps,
} from './image-kernels.js';
