import { SsdetError } from '@ssdet/core';
import { decodeElements, encodeElements } from './dtype-codec.js';
import {
  DTYPE_BYTES,
  elementCount,
  formatShape,
  isWeightDtype,
  WEIGHT_DTYPES,
  type WeightMap,
  type WeightTensor,
} from './weight-tensor.js';

/**
 * The largest JSON header accepted. The safetensors reference implementation uses the same
 * bound; a larger header is not a weight file but an attempt to make the reader allocate.
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** The contents of a safetensors file. */
export interface SafetensorsContents {
  readonly tensors: WeightMap;
  /** The free-form string-to-string `__metadata__` map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

function fail(sourceName: string, problem: string): never {
  throw new SsdetError(
    'SAFETENSORS_INVALID',
    `${sourceName} is not a valid safetensors file: ${problem}`,
    {
      hint: 'safetensors = 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the tensor bytes.',
    },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

interface HeaderEntry {
  readonly name: string;
  readonly dtype: WeightTensor['dtype'];
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Reads a safetensors file (https://github.com/huggingface/safetensors, format section):
 * `u64le N`, `N` bytes of UTF-8 JSON, then a byte buffer that the tensors' `data_offsets`
 * (relative to the buffer) tile exactly — no gaps, no overlap, nothing left over.
 *
 * Every structural rule is checked before any tensor is decoded; a violation throws
 * `SsdetError('SAFETENSORS_INVALID')` naming `sourceName` and the problem. Decoding follows
 * {@link decodeElements}: floats to float32 (F64 loses precision), integers to int32.
 */
export function readSafetensors(bytes: Uint8Array, sourceName: string): SafetensorsContents {
  if (bytes.byteLength < 8) {
    fail(
      sourceName,
      `it is ${bytes.byteLength} bytes long, shorter than the 8-byte header length.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > SAFETENSORS_MAX_HEADER_BYTES) {
    const headerLength = high * 2 ** 32 + low;
    fail(
      sourceName,
      `the header claims ${headerLength} bytes, more than the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit.`,
    );
  }
  const headerLength = low;
  if (8 + headerLength > bytes.byteLength) {
    fail(
      sourceName,
      `the header claims ${headerLength} bytes but only ${bytes.byteLength - 8} follow the length field (truncated file?).`,
    );
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
    header = JSON.parse(text);
  } catch (error) {
    fail(sourceName, `the header is not UTF-8 JSON (${(error as Error).message}).`);
  }
  if (!isRecord(header)) fail(sourceName, 'the header must be a JSON object.');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(value)) fail(sourceName, '`__metadata__` must be an object of strings.');
      for (const [key, text] of Object.entries(value)) {
        if (typeof text !== 'string') fail(sourceName, `\`__metadata__.${key}\` must be a string.`);
        metadata[key] = text;
      }
      continue;
    }
    if (!isRecord(value)) fail(sourceName, `tensor "${name}" must be an object.`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (!isWeightDtype(dtype)) {
      fail(
        sourceName,
        `tensor "${name}" has dtype ${JSON.stringify(dtype)}; expected one of ${WEIGHT_DTYPES.join(', ')}.`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isSize)) {
      fail(sourceName, `tensor "${name}" needs \`shape\`, an array of non-negative integers.`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
      fail(sourceName, `tensor "${name}" needs \`data_offsets\`, two non-negative integers.`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      fail(
        sourceName,
        `tensor "${name}" has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data buffer.`,
      );
    }
    const count = elementCount(shape);
    const expected = count * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      fail(
        sourceName,
        `tensor "${name}" is ${dtype} ${formatShape(shape)} = ${expected} bytes but data_offsets span ${end - begin}.`,
      );
    }
    entries.push({ name, dtype, shape, begin, end });
  }

  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const entry of byOffset) {
    if (entry.begin < covered) {
      fail(
        sourceName,
        `tensor "${entry.name}" overlaps the tensor before it (starts at ${entry.begin}, previous ends at ${covered}).`,
      );
    }
    if (entry.begin > covered) {
      fail(
        sourceName,
        `bytes ${covered}…${entry.begin} of the data buffer belong to no tensor (before "${entry.name}").`,
      );
    }
    covered = entry.end;
  }
  if (covered !== dataLength) {
    fail(sourceName, `the tensors cover ${covered} bytes of the ${dataLength}-byte data buffer.`);
  }

  const tensors = new Map<string, WeightTensor>();
  for (const entry of entries) {
    const slice = bytes.subarray(dataStart + entry.begin, dataStart + entry.end);
    const data = decodeElements(
      slice,
      entry.dtype,
      elementCount(entry.shape),
      `${sourceName}, tensor "${entry.name}"`,
    );
    tensors.set(entry.name, { dtype: entry.dtype, shape: [...entry.shape], data });
  }
  return { tensors, metadata };
}

/**
 * Writes tensors as a safetensors file. Each tensor is stored in its `dtype` (values are
 * rounded/range-checked by {@link encodeElements}). Tensors are laid out largest element size
 * first, then by name — the reference writer's order, which keeps every tensor aligned to its
 * element size — and the header is space-padded to a multiple of 8 bytes.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, WeightTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort((a, b) => {
    const sizeOrder = DTYPE_BYTES[tensors.get(b)!.dtype] - DTYPE_BYTES[tensors.get(a)!.dtype];
    return sizeOrder !== 0 ? sizeOrder : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') {
      throw new SsdetError(
        'SAFETENSORS_INVALID',
        'A tensor cannot be named "__metadata__" in a safetensors file.',
      );
    }
    const tensor = tensors.get(name)!;
    const count = elementCount(tensor.shape);
    if (tensor.data.length !== count) {
      throw new SsdetError(
        'WEIGHTS_SIZE_MISMATCH',
        `Tensor "${name}" has shape ${formatShape(tensor.shape)} (${count} elements) but ${tensor.data.length} values.`,
      );
    }
    const encoded = encodeElements(tensor.data, tensor.dtype, `tensor "${name}"`);
    header[name] = {
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      data_offsets: [offset, offset + encoded.byteLength],
    };
    chunks.push(encoded);
    offset += encoded.byteLength;
  }
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(headerBytes.byteLength / 8) * 8;
  if (padded !== headerBytes.byteLength) {
    const withPadding = new Uint8Array(padded).fill(0x20);
    withPadding.set(headerBytes);
    headerBytes = withPadding;
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}
