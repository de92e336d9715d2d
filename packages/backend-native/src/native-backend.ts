import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon.js';

/** The tfjs name of this backend. */
export const NATIVE_BACKEND_NAME = 'native';

/**
 * tfjs-backend-cpu's backend with a C++ addon beside it. Tensors live in the cpu backend's
 * storage (plain typed arrays), so every cpu kernel runs unchanged on this backend and the native
 * kernels read and write the same arrays without copies.
 */
export class NativeBackend extends MathBackendCPU {
  readonly addon: NativeAddon;

  constructor(addon: NativeAddon) {
    super();
    this.addon = addon;
    // tfjs-backend-cpu prints a "use tfjs-node" banner on its first tensor; this backend is the answer.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /**
   * The float32 values of `info`, or `null` when it holds another dtype (then a cpu kernel runs).
   * tfjs-backend-cpu casts bool and int32 to float32 by relabelling the same Uint8Array or
   * Int32Array; those are widened here (a copy), not left to the cpu kernel's generic loops.
   */
  floats(info: tf.TensorInfo): Float32Array | null {
    if (info.dtype !== 'float32') return null;
    const values = this.data.get(info.dataId).values;
    if (values instanceof Float32Array) return values;
    if (values instanceof Uint8Array || values instanceof Int32Array) {
      return Float32Array.from(values);
    }
    return null;
  }

  /** A new float32 tensor in this backend's storage, owning `values`. */
  output(shape: readonly number[], values: Float32Array): tf.TensorInfo {
    return this.makeTensorInfo([...shape], 'float32', values);
  }
}
