import { SsdetError } from '@ssdet/core';
import { encodeElements } from '../dtype-codec.js';
import {
  elementCount,
  formatShape,
  type WeightDtype,
  type WeightTensor,
} from '../weight-tensor.js';
import { STORAGE_DTYPES } from './safe-unpickler.js';
import { writeZipEntries } from './zip-writer.js';

export interface WritePthOptions {
  /** The folder name inside the zip; torch uses the file's stem, any name loads. */
  readonly archiveName?: string;
}

const STORAGE_FOR_DTYPE = Object.fromEntries(
  Object.entries(STORAGE_DTYPES).map(([storage, dtype]) => [dtype, storage]),
) as Record<WeightDtype, string>;

/** A minimal protocol-2 pickle emitter for the shapes a state dict needs. */
class PickleEncoder {
  private readonly chunks: number[] = [];
  private readonly encoder = new TextEncoder();

  opcode(code: number): this {
    this.chunks.push(code);
    return this;
  }

  global(module: string, name: string): this {
    this.chunks.push(0x63, ...this.encoder.encode(`${module}\n${name}\n`));
    return this;
  }

  string(text: string): this {
    const bytes = this.encoder.encode(text);
    this.chunks.push(0x58, ...uint32(bytes.byteLength));
    for (const byte of bytes) this.chunks.push(byte);
    return this;
  }

  int(value: number): this {
    if (value >= 0 && value < 0x100) this.chunks.push(0x4b, value);
    else if (value >= 0 && value < 0x10000) this.chunks.push(0x4d, value & 0xff, value >>> 8);
    else if (value >= -(2 ** 31) && value < 2 ** 31) this.chunks.push(0x4a, ...uint32(value >>> 0));
    else {
      // LONG1 with an 8-byte two's complement body.
      const body = new Uint8Array(8);
      new DataView(body.buffer).setBigInt64(0, BigInt(value), true);
      this.chunks.push(0x8a, 8, ...body);
    }
    return this;
  }

  tuple(values: readonly number[]): this {
    if (values.length === 0) return this.opcode(0x29);
    this.opcode(0x28);
    for (const value of values) this.int(value);
    return this.opcode(0x74);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function uint32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

const MARK = 0x28;
const REDUCE = 0x52;

/**
 * Writes tensors as a PyTorch state dict in the zip format `torch.save` produces:
 * an `OrderedDict` of `torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False,
 * OrderedDict())` pickled with protocol 2, one storage per tensor (`<archive>/data/<i>`,
 * little-endian, 64-byte aligned), `<archive>/version` = 3 and `<archive>/byteorder`.
 * `torch.load` reads it and `load_state_dict(strict=True)` accepts it when the names match.
 * Each tensor is stored in its `dtype` (I64 for `num_batches_tracked`, F32 for weights).
 */
export function writePth(
  tensors: ReadonlyMap<string, WeightTensor>,
  options: WritePthOptions = {},
): Uint8Array {
  const archive = options.archiveName ?? 'archive';
  const pickle = new PickleEncoder();
  pickle.opcode(0x80).opcode(2); // PROTO 2
  pickle.global('collections', 'OrderedDict').opcode(0x29).opcode(REDUCE);
  const storages: { name: string; data: Uint8Array }[] = [];
  if (tensors.size > 0) pickle.opcode(MARK);
  for (const [name, tensor] of tensors) {
    const count = elementCount(tensor.shape);
    if (tensor.data.length !== count) {
      throw new SsdetError(
        'WEIGHTS_SIZE_MISMATCH',
        `Tensor "${name}" has shape ${formatShape(tensor.shape)} (${count} elements) but ${tensor.data.length} values.`,
      );
    }
    const key = String(storages.length);
    storages.push({
      name: `${archive}/data/${key}`,
      data: encodeElements(tensor.data, tensor.dtype, `tensor "${name}"`),
    });
    const strides = tensor.shape.map((_, axis) => elementCount(tensor.shape.slice(axis + 1)));
    pickle.string(name);
    pickle.global('torch._utils', '_rebuild_tensor_v2').opcode(MARK);
    pickle
      .opcode(MARK)
      .string('storage')
      .global('torch', STORAGE_FOR_DTYPE[tensor.dtype])
      .string(key)
      .string('cpu')
      .int(count)
      .opcode(0x74);
    pickle.opcode(0x51); // BINPERSID
    pickle.int(0).tuple(tensor.shape).tuple(strides).opcode(0x89); // offset, size, stride, requires_grad=False
    pickle.global('collections', 'OrderedDict').opcode(0x29).opcode(REDUCE); // backward hooks
    pickle.opcode(0x74).opcode(REDUCE);
  }
  if (tensors.size > 0) pickle.opcode(0x75); // SETITEMS
  pickle.opcode(0x2e); // STOP

  const text = new TextEncoder();
  return writeZipEntries([
    { name: `${archive}/data.pkl`, data: pickle.bytes() },
    { name: `${archive}/byteorder`, data: text.encode('little') },
    ...storages,
    { name: `${archive}/version`, data: text.encode('3\n') },
  ]);
}
