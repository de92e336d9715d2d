import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureJson } from '../test-support/fixtures.js';
import type { WeightTensor } from '../weight-tensor.js';
import { readPth } from './read-pth.js';
import { expectTensorsMatch as expectMatches } from './test-support/expect-tensors.js';
import { writePth } from './write-pth.js';
import { writeZipEntries } from './zip-writer.js';

describe('readPth on files written by torch.save', () => {
  it('recovers every dtype, scalars, transposed views and offset views sharing a storage', () => {
    const tensors = readPth(fixtureBytes('tiny-state-dict.pth'), 'tiny-state-dict.pth');
    expectMatches(tensors, fixtureJson('tiny-state-dict.json'));
    expect(tensors.get('float32')!.data).toBeInstanceOf(Float32Array);
    expect(tensors.get('int64')!.data).toBeInstanceOf(Int32Array);
    expect(tensors.get('num_batches_tracked')!.shape).toEqual([]);
  });

  it('reads a module state_dict (OrderedDict with _metadata, BatchNorm num_batches_tracked)', () => {
    const tensors = readPth(fixtureBytes('tiny-module.pth'), 'tiny-module.pth');
    expectMatches(tensors, fixtureJson('tiny-module.json'));
    expect(tensors.get('1.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
    expect(Array.from(tensors.get('1.num_batches_tracked')!.data)).toEqual([1]);
  });

  it('refuses a checkpoint whose pickle calls os.system, naming the global', () => {
    expect(() =>
      readPth(fixtureBytes('malicious-os-system.pth'), 'malicious-os-system.pth'),
    ).toThrow(/malicious-os-system\.pth: refused to unpickle the global os\.system/);
  });
});

describe('writePth', () => {
  it('round-trips through readPth, keeping names, order, dtypes and values', () => {
    const tensors = new Map<string, WeightTensor>([
      [
        'conv1.weight',
        {
          dtype: 'F32',
          shape: [2, 1, 3, 3],
          data: Float32Array.from({ length: 18 }, (_, i) => i / 7 - 1),
        },
      ],
      ['bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: new Int32Array([0]) }],
      [
        'big',
        { dtype: 'F32', shape: [300], data: Float32Array.from({ length: 300 }, (_, i) => i) },
      ],
      ['half', { dtype: 'F16', shape: [2], data: new Float32Array([0.5, -2]) }],
    ]);
    const bytes = writePth(tensors);
    const back = readPth(bytes, 'written.pth');
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [name, tensor] of tensors) {
      expect(back.get(name)!.dtype).toBe(tensor.dtype);
      expect(back.get(name)!.shape).toEqual(tensor.shape);
      expect(Array.from(back.get(name)!.data)).toEqual(Array.from(tensor.data));
    }
    const empty = readPth(writePth(new Map()), 'empty.pth');
    expect(empty.size).toBe(0);
  });
});

describe('readPth rejects malformed files', () => {
  const good = writePth(
    new Map([['w', { dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) }]]),
  );

  it('rejects truncated archives', () => {
    expect(() => readPth(good.subarray(0, good.byteLength - 10), 'cut.pth')).toThrow(
      /cut\.pth: no end-of-central-directory record/,
    );
    expect(() => readPth(good.subarray(0, 10), 'tiny.pth')).toThrow(
      /tiny\.pth: 10 bytes is too short for a zip archive/,
    );
  });

  it('rejects corrupted data, compressed entries and storages shorter than their tensors', () => {
    const corrupted = good.slice();
    const at = corrupted.indexOf(0x3f, 64); // a byte of the float 1.0 in data/0 (0x3f800000)
    corrupted[at] = corrupted[at]! ^ 0xff;
    expect(() => readPth(corrupted, 'bad-crc.pth')).toThrow(
      /bad-crc\.pth: entry "archive\/data\/\d" fails its CRC-32 check/,
    );

    const compressed = good.slice();
    const view = new DataView(compressed.buffer);
    for (let i = compressed.byteLength - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50) view.setUint16(i + 10, 8, true); // method: deflate
    }
    expect(() => readPth(compressed, 'deflated.pth')).toThrow(
      /deflated\.pth: entry "archive\/data\.pkl" is compressed \(method 8\)/,
    );

    const pickle = readPthPickle(good);
    const shortStorage = writeZipEntries([
      { name: 'archive/data.pkl', data: pickle },
      { name: 'archive/data/0', data: new Uint8Array(8) },
      { name: 'archive/version', data: new TextEncoder().encode('3\n') },
    ]);
    expect(() => readPth(shortStorage, 'short.pth')).toThrow(
      /short\.pth: storage data\/0 holds 8 bytes but 4 F32 elements need 16/,
    );
  });

  it('rejects other pickles, tar files, zips without data.pkl, and non-tensor values with a hint', () => {
    expect(() => readPth(Uint8Array.from([0x80, 2, 0x7d, 0x2e]), 'dict.pkl')).toThrow(
      /^dict\.pkl: it is a pickle but does not start with torch\.save's magic number/,
    );
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar\x0000'), 257);
    expect(() => readPth(tar, 'old.pth')).toThrow(
      /^old\.pth: it is in the tar-based torch\.save format of the earliest PyTorch releases/,
    );
    const noPickle = writeZipEntries([{ name: 'x/readme.txt', data: new Uint8Array(3) }]);
    expect(() => readPth(noPickle, 'other.zip')).toThrow(
      /other\.zip: the archive has no data\.pkl/,
    );
    // {'state_dict': {'w': tensor}, 'epoch': 3}
    const nested = writeZipEntries([
      { name: 'archive/data.pkl', data: nestedCheckpointPickle(readPthPickle(good)) },
      { name: 'archive/data/0', data: new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) },
    ]);
    expect(() => readPth(nested, 'ckpt.pth')).toThrow(
      /ckpt\.pth: it is not a plain tensor state dict: state_dict, epoch are not tensors/,
    );
    try {
      readPth(nested, 'ckpt.pth');
    } catch (error) {
      expect((error as { hint?: string }).hint).toMatch(/pass \{ entry: 'state_dict' \}/);
    }
    const inner = readPth(nested, 'ckpt.pth', { entry: 'state_dict' });
    expect(Array.from(inner.get('w')!.data)).toEqual([1, 2, 3, 4]);
    expect(() => readPth(nested, 'ckpt.pth', { entry: 'model' })).toThrow(
      /ckpt\.pth: it has no dict under "model"; top-level keys: state_dict, epoch/,
    );
  });
});

/** The data.pkl bytes of an archive written by writePth (first entry, 64-byte aligned). */
function readPthPickle(archive: Uint8Array): Uint8Array {
  const view = new DataView(archive.buffer, archive.byteOffset);
  const nameLength = view.getUint16(26, true);
  const extraLength = view.getUint16(28, true);
  const size = view.getUint32(18, true);
  const start = 30 + nameLength + extraLength;
  return archive.slice(start, start + size);
}

/** Wraps a state-dict pickle as {'state_dict': <it>, 'epoch': 3} (protocol 2). */
function nestedCheckpointPickle(stateDictPickle: Uint8Array): Uint8Array {
  const body = stateDictPickle.subarray(2, stateDictPickle.byteLength - 1); // strip PROTO 2 and STOP
  const key = (text: string): number[] => [
    0x58,
    text.length,
    0,
    0,
    0,
    ...new TextEncoder().encode(text),
  ];
  return Uint8Array.from([
    0x80,
    2,
    0x7d,
    0x28,
    ...key('state_dict'),
    ...body,
    ...key('epoch'),
    0x4b,
    3,
    0x75,
    0x2e,
  ]);
}
