import { decodeElements } from '../dtype-codec.js';
import {
  DTYPE_BYTES,
  elementCount,
  formatShape,
  type WeightDtype,
  type WeightMap,
  type WeightTensor,
} from '../weight-tensor.js';
import { failPth } from './pth-error.js';
import type { StorageRef, TensorRef } from './safe-unpickler.js';

/** Where a `.pth` format keeps the raw bytes of its storages. */
export interface StorageSource {
  /** The raw little-endian bytes of root storage `storage.key`; fails if the file lacks them. */
  bytes(storage: StorageRef, tensorName: string): Uint8Array;
  /** How error messages name the storage, e.g. `data/3` (zip) or `storage "9402…"` (legacy). */
  describe(key: string): string;
}

/**
 * Turns the tensor references of a state dict into {@link WeightTensor}s: each root storage is
 * decoded once (floats to float32, integers to int32), and every tensor — possibly a view with
 * a storage offset, non-contiguous strides or a legacy storage slice, several sharing a storage —
 * is copied out contiguously in C order.
 */
export function materializeTensors(
  stateDict: ReadonlyMap<string, TensorRef>,
  source: StorageSource,
  sourceName: string,
): WeightMap {
  const decoded = new Map<string, { dtype: WeightDtype; data: Float32Array | Int32Array }>();
  const storageData = (storage: StorageRef, tensorName: string): Float32Array | Int32Array => {
    const cached = decoded.get(storage.key);
    if (cached) {
      if (cached.dtype !== storage.dtype)
        failPth(
          sourceName,
          `tensor "${tensorName}" reads ${source.describe(storage.key)} as ${storage.dtype}, another tensor as ${cached.dtype}.`,
        );
      return cached.data;
    }
    const raw = source.bytes(storage, tensorName);
    const needed = storage.numel * DTYPE_BYTES[storage.dtype];
    if (raw.byteLength < needed) {
      failPth(
        sourceName,
        `${source.describe(storage.key)} holds ${raw.byteLength} bytes but ${storage.numel} ${storage.dtype} elements need ${needed} (truncated?).`,
      );
    }
    const data = decodeElements(
      raw.subarray(0, needed),
      storage.dtype,
      storage.numel,
      `${sourceName}, tensor "${tensorName}"`,
    );
    decoded.set(storage.key, { dtype: storage.dtype, data });
    return data;
  };

  const tensors = new Map<string, WeightTensor>();
  for (const [name, ref] of stateDict) {
    const root = storageData(ref.storage, name);
    const { view } = ref.storage;
    const elements = view ? root.subarray(view.offset, view.offset + view.numel) : root;
    tensors.set(name, {
      dtype: ref.storage.dtype,
      shape: [...ref.shape],
      data: gatherStrided(elements, ref, name, sourceName),
    });
  }
  return tensors;
}

/** Copies a (possibly strided, offset) view of a storage into a new C-contiguous array. */
function gatherStrided(
  source: Float32Array | Int32Array,
  ref: TensorRef,
  name: string,
  sourceName: string,
): Float32Array | Int32Array {
  const { shape, stride, storageOffset } = ref;
  const count = elementCount(shape);
  const out = source instanceof Float32Array ? new Float32Array(count) : new Int32Array(count);
  if (count === 0) return out;
  let last = storageOffset;
  for (let axis = 0; axis < shape.length; axis++) last += (shape[axis]! - 1) * stride[axis]!;
  if (last >= source.length) {
    failPth(
      sourceName,
      `tensor "${name}" (${formatShape(shape)}, strides ${formatShape(stride)}, offset ${storageOffset}) reaches element ${last} of a ${source.length}-element storage.`,
    );
  }
  let contiguous = true;
  for (let axis = shape.length - 1, expected = 1; axis >= 0; axis--) {
    if (shape[axis]! !== 1 && stride[axis]! !== expected) contiguous = false;
    expected *= shape[axis]!;
  }
  if (contiguous) {
    out.set(source.subarray(storageOffset, storageOffset + count));
    return out;
  }
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let at = storageOffset;
  for (let i = 0; i < count; i++) {
    out[i] = source[at]!;
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]! += 1;
      at += stride[axis]!;
      if (counter[axis]! < shape[axis]!) break;
      at -= shape[axis]! * stride[axis]!;
      counter[axis] = 0;
    }
  }
  return out;
}
