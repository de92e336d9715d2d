import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon.js';
import { OutputPool } from './output-pool.js';

/** The tfjs name of this backend. */
export const NATIVE_BACKEND_NAME = 'native';

/**
 * Pool at most this much memory of disposed outputs (`SSDET_NATIVE_POOL_MB`; 0 turns it off).
 * An array larger than the cap is never pooled, and a fresh one of a gigabyte or more takes
 * seconds to fault in here (DetCo's res5 local head: a 1.36 GB weight gradient every step, 5–10 s
 * fresh against 0.25 s pooled), so the cap leaves room for a few such arrays. The pool only holds
 * arrays a step freed and allocates again, so it adds little to a run's peak memory.
 */
const POOL_BYTES = Number(process.env['SSDET_NATIVE_POOL_MB'] ?? 4096) * 2 ** 20;
/**
 * Outputs below 4 KiB are not pooled. Smaller ones are too small to matter; above that, fresh
 * arrays are what makes V8 collect garbage: each is external memory to it, and a transformer step
 * allocates tens of megabytes of 16–256 KiB outputs ([234, 256] activations), which with a
 * 256 KiB floor made V8 run 19 collections a step ("external memory pressure", 60 ms of a
 * 0.9 s UP-DETR step) against 5 (25 ms) with this one.
 */
const POOL_MIN_LENGTH = 2 ** 10;

type DataId = object;

/**
 * tfjs-backend-cpu's backend with a C++ addon beside it. Tensors live in the cpu backend's
 * storage (plain typed arrays), so every cpu kernel runs unchanged on this backend and the native
 * kernels read and write the same arrays without copies.
 *
 * Native outputs are recycled: when the last tensor on such an array is disposed, the array goes
 * to an {@link OutputPool} and the addon writes the next output of that length into it. An array
 * is never recycled once anything else may hold it: when it was read out (`dataSync`, `data`),
 * when a cpu kernel stored a view of it or stored it again under a second tensor.
 */
export class NativeBackend extends MathBackendCPU {
  readonly addon: NativeAddon;
  readonly outputPool = new OutputPool(POOL_BYTES, POOL_MIN_LENGTH);
  /**
   * Buffers of native outputs that stored tensors reference, with how many do. An entry goes when
   * its count drops to 0 (the buffer then goes to the pool, or to the GC), so this holds only what
   * live tensors hold anyway: a Map, because a WeakMap entry per output (about a thousand per
   * ResNet-18 step) costs more to insert and makes every GC walk the ephemeron table.
   */
  private readonly liveReferences = new Map<ArrayBufferLike, number>();
  /** Native output buffers that escaped and must not be recycled. */
  private readonly escaped = new WeakSet<ArrayBufferLike>();

  constructor(addon: NativeAddon) {
    super();
    this.addon = addon;
    // tfjs-backend-cpu prints a "use tfjs-node" banner on its first tensor; this backend is the answer.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    if (POOL_BYTES > 0) {
      addon.setOutputSource((length) => this.outputPool.take(length) ?? null, {
        minLength: POOL_MIN_LENGTH,
      });
    }
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

  /**
   * The float32 array of `info` when a fused update may overwrite it in place, else null: only a
   * native output that exactly one tensor holds — the backend's refCount for the data is 1 (a
   * `tf.clone`, a reshape or a tape's saved copy raise it), no other stored tensor views the
   * buffer and it was never read out (`dataSync`) — so that no other tensor or array sees the
   * values change. An array first made elsewhere (`tf.zeros`, loaded weights) is updated into a
   * new native output once, and in place from then on.
   */
  ownedFloats(info: tf.TensorInfo): Float32Array | null {
    if (info.dtype !== 'float32' || !this.data.has(info.dataId)) return null;
    const data = this.data.get(info.dataId);
    const values = data.values;
    if (!(values instanceof Float32Array) || data.refCount !== 1) return null;
    const owners = this.liveReferences.get(values.buffer);
    return owners === 1 && !this.escaped.has(values.buffer) ? values : null;
  }

  /**
   * Another reference to `info`'s data, as tfjs-backend-cpu's Identity makes: the output of a
   * kernel that updated `info` in place.
   */
  sameData(info: tf.TensorInfo): tf.TensorInfo {
    this.incRef(info.dataId);
    return { dataId: info.dataId, shape: [...info.shape], dtype: info.dtype };
  }

  /** A new float32 tensor in this backend's storage, owning `values` (a native output). */
  output(shape: readonly number[], values: Float32Array): tf.TensorInfo {
    const buffer = values.buffer;
    // A new array, or a recycled one whose previous tensors are gone: either way no stored
    // tensor references it yet (the same bookkeeping as `write` for a known buffer, done once).
    const count = this.liveReferences.get(buffer) ?? 0;
    const outShape = [...shape];
    const dataId = super.write(values, outShape, 'float32');
    this.liveReferences.set(buffer, count + 1);
    if (count > 0 || values.byteOffset !== 0 || values.byteLength !== buffer.byteLength) {
      this.escaped.add(buffer);
    }
    return { dataId, shape: outShape, dtype: 'float32' };
  }

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const dataId = super.write(values, shape, dtype);
    if (ArrayBuffer.isView(values)) {
      const count = this.liveReferences.get(values.buffer);
      if (count !== undefined) {
        this.liveReferences.set(values.buffer, count + 1);
        const whole = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
        if (count > 0 || !whole) this.escaped.add(values.buffer);
      }
    }
    return dataId;
  }

  override readSync(dataId: DataId): tf.BackendValues {
    this.markEscaped(dataId);
    return super.readSync(dataId);
  }

  override read(dataId: DataId): Promise<tf.BackendValues> {
    this.markEscaped(dataId);
    return super.read(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (released && values instanceof Float32Array && !this.data.has(dataId)) {
      const count = this.liveReferences.get(values.buffer);
      if (count === 1) {
        this.liveReferences.delete(values.buffer);
        if (!this.escaped.has(values.buffer)) this.outputPool.put(values);
      } else if (count !== undefined) {
        this.liveReferences.set(values.buffer, count - 1);
      }
    }
    return released;
  }

  override dispose(): void {
    this.outputPool.clear();
    this.addon.setOutputSource(null);
    super.dispose();
  }

  private markEscaped(dataId: DataId): void {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    if (ArrayBuffer.isView(values) && this.liveReferences.has(values.buffer)) {
      this.escaped.add(values.buffer);
    }
  }
}
