import { SsdetError } from '@ssdet/core';
import { decodeElements } from '../dtype-codec.js';
import {
  DTYPE_BYTES,
  elementCount,
  formatShape,
  type WeightMap,
  type WeightTensor,
} from '../weight-tensor.js';
import {
  readRestrictedPickle,
  type PickleDict,
  type PickleValue,
  type StorageRef,
  type TensorRef,
} from './safe-unpickler.js';
import { readZipEntries } from './zip-reader.js';

export interface ReadPthOptions {
  /**
   * For a checkpoint that wraps the state dict (`{'state_dict': …, 'epoch': …}`), the key of
   * the state dict inside it. Without it the top-level dict must hold tensors only.
   */
  readonly entry?: string;
}

const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

function fail(sourceName: string, problem: string, hint?: string): never {
  throw new SsdetError(
    'PTH_INVALID',
    `${sourceName}: ${problem}`,
    hint === undefined ? {} : { hint },
  );
}

function isTensorRef(value: PickleValue | undefined): value is TensorRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    value.kind === 'tensor'
  );
}

/**
 * Reads a PyTorch state dict saved by `torch.save` (the zip format of PyTorch ≥ 1.6:
 * `<archive>/data.pkl`, `<archive>/data/<key>` storages, `<archive>/version`).
 *
 * The pickle is interpreted by {@link readRestrictedPickle}, which never runs code: a file
 * whose pickle names any global beyond OrderedDict, tensor rebuilding and storage types is
 * refused (`PICKLE_REFUSED`). Views (a storage offset, non-contiguous strides, several tensors
 * sharing a storage) are copied out contiguously in C order; `_metadata` is ignored.
 * Values decode like safetensors: floats to float32, integers (e.g. `num_batches_tracked`) to int32.
 */
export function readPth(
  bytes: Uint8Array,
  sourceName: string,
  options: ReadPthOptions = {},
): WeightMap {
  if (bytes.byteLength >= 2 && bytes[0] === 0x80) {
    fail(
      sourceName,
      'this is a legacy (pre-1.6) torch.save file, a bare pickle stream; only the zip format is supported.',
      'Re-save it with a current PyTorch: torch.save(torch.load(path), new_path).',
    );
  }
  const entries = readZipEntries(bytes, sourceName);
  const pickleEntry = entries.find(
    (entry) => entry.name === 'data.pkl' || entry.name.endsWith('/data.pkl'),
  );
  if (!pickleEntry)
    fail(
      sourceName,
      'the archive has no data.pkl: it is a zip file but not a torch.save checkpoint.',
    );
  if (pickleEntry.data.byteLength > MAX_PICKLE_BYTES)
    fail(
      sourceName,
      `data.pkl is ${pickleEntry.data.byteLength} bytes, beyond the ${MAX_PICKLE_BYTES}-byte limit.`,
    );
  const prefix = pickleEntry.name.slice(0, pickleEntry.name.length - 'data.pkl'.length);
  const records = new Map(
    entries
      .filter((entry) => entry.name.startsWith(prefix))
      .map((entry) => [entry.name.slice(prefix.length), entry.data]),
  );
  const byteorder = records.get('byteorder');
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    fail(
      sourceName,
      `its storages are ${new TextDecoder().decode(byteorder).trim()}-endian; only little-endian files are supported.`,
    );
  }

  const root = readRestrictedPickle(pickleEntry.data, sourceName);
  if (!(root instanceof Map))
    fail(sourceName, 'the pickled object is not a dict, so it is not a state dict.');
  let stateDict: PickleDict = root;
  if (options.entry !== undefined) {
    const inner = root.get(options.entry);
    if (!(inner instanceof Map)) {
      fail(
        sourceName,
        `it has no dict under "${options.entry}"; top-level keys: ${[...root.keys()].map(String).join(', ')}.`,
      );
    }
    stateDict = inner;
  }
  const nonTensors = [...stateDict.entries()]
    .filter(([, value]) => !isTensorRef(value))
    .map(([key]) => String(key));
  if (nonTensors.length > 0) {
    const wrappers = nonTensors.filter((key) => stateDict.get(key) instanceof Map);
    fail(
      sourceName,
      `it is not a plain tensor state dict: ${nonTensors.slice(0, 5).join(', ')}${nonTensors.length > 5 ? ', …' : ''} ${nonTensors.length === 1 ? 'is not a tensor' : 'are not tensors'}.`,
      wrappers.length > 0
        ? `If the weights are nested, pass { entry: '${wrappers[0]}' }.`
        : undefined,
    );
  }

  const storages = new Map<string, Float32Array | Int32Array>();
  const storageData = (storage: StorageRef, tensorName: string): Float32Array | Int32Array => {
    const cached = storages.get(storage.key);
    if (cached) return cached;
    const raw = records.get(`data/${storage.key}`);
    if (!raw)
      fail(
        sourceName,
        `tensor "${tensorName}" refers to storage data/${storage.key}, which the archive lacks.`,
      );
    const needed = storage.numel * DTYPE_BYTES[storage.dtype];
    if (raw.byteLength < needed) {
      fail(
        sourceName,
        `storage data/${storage.key} holds ${raw.byteLength} bytes but ${storage.numel} ${storage.dtype} elements need ${needed} (truncated?).`,
      );
    }
    const decoded = decodeElements(
      raw.subarray(0, needed),
      storage.dtype,
      storage.numel,
      `${sourceName}, tensor "${tensorName}"`,
    );
    storages.set(storage.key, decoded);
    return decoded;
  };

  const tensors = new Map<string, WeightTensor>();
  for (const [key, value] of stateDict) {
    const name = String(key);
    const ref = value as TensorRef;
    const source = storageData(ref.storage, name);
    tensors.set(name, {
      dtype: ref.storage.dtype,
      shape: [...ref.shape],
      data: gatherStrided(source, ref, name, sourceName),
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
    fail(
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
