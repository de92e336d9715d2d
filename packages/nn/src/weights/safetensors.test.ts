import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import type { WeightTensor } from './weight-tensor.js';

/** Builds a file from a header object and a data buffer, bypassing our writer. */
function rawFile(header: unknown, data: Uint8Array, headerLengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLengthOverride ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

describe('readSafetensors', () => {
  it('reads a hand-made file exactly as the format describes it', () => {
    const data = new Uint8Array([...f32([1, 2, 3, 4, 5, 6]), 7, 0, 0, 0, 0, 0, 0, 0]);
    const file = rawFile(
      {
        __metadata__: { format: 'pt' },
        'a.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
        step: { dtype: 'I64', shape: [], data_offsets: [24, 32] },
      },
      data,
    );
    const { tensors, metadata } = readSafetensors(file, 'model.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['a.weight', 'step']);
    expect(tensors.get('a.weight')!.shape).toEqual([2, 3]);
    expect(Array.from(tensors.get('a.weight')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensors.get('a.weight')!.data).toBeInstanceOf(Float32Array);
    expect(tensors.get('step')).toMatchObject({ dtype: 'I64', shape: [] });
    expect(Array.from(tensors.get('step')!.data)).toEqual([7]);
  });

  it('rejects truncated files and oversized or out-of-file header lengths', () => {
    expect(() => readSafetensors(new Uint8Array(5), 'a.st')).toThrow(
      /a\.st is not a valid safetensors file: it is 5 bytes long/,
    );
    const huge = rawFile({}, new Uint8Array(0), 200_000_000n);
    expect(() => readSafetensors(huge, 'b.st')).toThrow(
      /b\.st .*header claims 200000000 bytes, more than the 100000000-byte limit/,
    );
    const giant = rawFile({}, new Uint8Array(0), 2n ** 40n);
    expect(() => readSafetensors(giant, 'b.st')).toThrow(/more than the 100000000-byte limit/);
    const good = writeSafetensors(
      new Map([['x', { dtype: 'F32', shape: [4], data: new Float32Array(4) }]]),
    );
    expect(() => readSafetensors(good.subarray(0, 20), 'c.st')).toThrow(
      /c\.st .*only 12 follow the length field \(truncated file\?\)/,
    );
    expect(() => readSafetensors(good.subarray(0, good.byteLength - 4), 'd.st')).toThrow(
      /d\.st .*tensor "x" has data_offsets \[0, 16\] outside the 12-byte data buffer/,
    );
  });

  it('rejects malformed headers with a message naming the problem', () => {
    const cases: [unknown, Uint8Array, RegExp][] = [
      [[1, 2], new Uint8Array(0), /header must be a JSON object/],
      [
        { x: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } },
        new Uint8Array(1),
        /tensor "x" has dtype "F8"; expected one of F64, F32/,
      ],
      [
        { x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } },
        new Uint8Array(4),
        /tensor "x" needs `shape`/,
      ],
      [
        { x: { dtype: 'F32', shape: [1], data_offsets: [0] } },
        new Uint8Array(4),
        /tensor "x" needs `data_offsets`/,
      ],
      [
        { x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } },
        new Uint8Array(8),
        /tensor "x" is F32 \[3\] = 12 bytes but data_offsets span 8/,
      ],
      [
        {
          x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        new Uint8Array(8),
        /tensor "y" overlaps the tensor before it|tensor "x" overlaps/,
      ],
      [
        { x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
        new Uint8Array(8),
        /bytes 0…4 of the data buffer belong to no tensor/,
      ],
      [
        { x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
        new Uint8Array(8),
        /the tensors cover 4 bytes of the 8-byte data buffer/,
      ],
      [{ __metadata__: { a: 1 } }, new Uint8Array(0), /`__metadata__.a` must be a string/],
    ];
    for (const [header, data, message] of cases) {
      expect(() => readSafetensors(rawFile(header, data), 'bad.safetensors')).toThrow(message);
    }
    const notJson = rawFile({}, new Uint8Array(0));
    notJson[8] = 0x5b; // '{}' → '[}'
    expect(() => readSafetensors(notJson, 'j.st')).toThrow(/j\.st .*header is not UTF-8 JSON/);
  });
});

describe('writeSafetensors', () => {
  it('round-trips tensors, dtypes and metadata, with an 8-byte aligned header', () => {
    const tensors = new Map<string, WeightTensor>([
      [
        'conv1.weight',
        { dtype: 'F32', shape: [2, 1, 1, 2], data: new Float32Array([0.5, -1, 2, 1e-3]) },
      ],
      ['bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: new Int32Array([12]) }],
      ['half', { dtype: 'F16', shape: [3], data: new Float32Array([1, -0.25, 2048]) }],
      ['mask', { dtype: 'BOOL', shape: [2], data: new Int32Array([1, 0]) }],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt', source: 'ssdet' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const back = readSafetensors(bytes, 'round-trip');
    expect(back.metadata).toEqual({ format: 'pt', source: 'ssdet' });
    for (const [name, tensor] of tensors) {
      const read = back.tensors.get(name)!;
      expect(read.dtype).toBe(tensor.dtype);
      expect(read.shape).toEqual(tensor.shape);
      expect(Array.from(read.data)).toEqual(Array.from(tensor.data));
    }
    // Largest element size first (I64 before F32 before F16 before BOOL), so offsets stay aligned.
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
    ) as Record<string, { data_offsets: number[] }>;
    expect(header['bn1.num_batches_tracked']!.data_offsets).toEqual([0, 8]);
    expect(header['conv1.weight']!.data_offsets).toEqual([8, 24]);
  });

  it('refuses a tensor whose data does not match its shape', () => {
    expect(() =>
      writeSafetensors(
        new Map([['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]]),
      ),
    ).toThrow(/Tensor "w" has shape \[2, 2\] \(4 elements\) but 3 values/);
  });
});
