import { SsdetError } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { readWeightFile } from '../read-weight-file.js';
import { fixtureBytes, fixtureJson } from '../test-support/fixtures.js';
import { detectPthFormat } from './pth-format.js';
import { readLegacyPth } from './read-legacy-pth.js';
import { readPth } from './read-pth.js';
import { expectTensorsMatch } from './test-support/expect-tensors.js';
import {
  dictOps,
  float32Bytes,
  global,
  legacyStream,
  pickle,
  tensorOps,
  tuple,
  unicode,
} from './test-support/pickle-ops.js';

/** The error `read` throws, which must be a one-line SsdetError. */
function caught(read: () => unknown): SsdetError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(SsdetError);
    expect((error as SsdetError).message).not.toContain('\n');
    return error as SsdetError;
  }
  throw new Error('expected an error');
}

describe('readPth on legacy (pre-1.6) torch.save files', () => {
  it('recovers dtypes of every element size, int64 scalars, and views sharing a storage', () => {
    const bytes = fixtureBytes('legacy-tiny-state-dict.pth');
    expect(detectPthFormat(bytes)).toBe('legacy');
    const tensors = readPth(bytes, 'legacy-tiny-state-dict.pth');
    expectTensorsMatch(tensors, fixtureJson('legacy-tiny-state-dict.json'));
    expect(tensors.get('num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
    expect(tensors.get('sliced')!.shape).toEqual([3, 3]);
    expect(tensors.get('transposed')!.shape).toEqual([6, 4]);
  });

  it("reads MoCo's {'state_dict', 'epoch', 'optimizer'} wrapper through the entry option", () => {
    const bytes = fixtureBytes('legacy-moco-checkpoint.pth');
    const error = caught(() => readPth(bytes, 'moco.pth.tar'));
    expect(error.message).toBe(
      'moco.pth.tar: it is not a plain tensor state dict: epoch, arch, state_dict, optimizer are not tensors.',
    );
    expect(error.hint).toBe("If the weights are nested, pass { entry: 'state_dict' }.");
    expectTensorsMatch(
      readPth(bytes, 'moco.pth.tar', { entry: 'state_dict' }),
      fixtureJson('legacy-moco-checkpoint.json'),
    );
  });

  it("reads DETR's {'model', …, 'args': argparse.Namespace} checkpoint without running anything", () => {
    const bytes = fixtureBytes('legacy-detr-checkpoint.pth');
    const error = caught(() => readWeightFile(bytes, 'detr-r50.pth'));
    expect(error.code).toBe('PTH_INVALID');
    expect(error.message).toMatch(/model, optimizer, lr_scheduler, epoch, args are not tensors/);
    expect(error.hint).toMatch(/entry: 'model'/);
    expectTensorsMatch(
      readWeightFile(bytes, 'detr-r50.pth', { entry: 'model' }),
      fixtureJson('legacy-detr-checkpoint.json'),
    );
  });

  it('refuses a legacy pickle that calls builtins.eval, at the global, before any call', () => {
    const bytes = fixtureBytes('legacy-malicious-eval.pth');
    expect(detectPthFormat(bytes)).toBe('legacy');
    for (const read of [readPth, readWeightFile]) {
      const error = caught(() => read(bytes, 'evil.pth', { entry: 'state_dict' }));
      expect(error.code).toBe('PICKLE_REFUSED');
      expect(error.message).toMatch(/^evil\.pth: refused to unpickle the global builtins\.eval/);
    }
    // Every pickle of the stream is restricted, not just the object: here sys_info is the trap.
    const trappedSysInfo = legacyStream({
      sysInfo: pickle(...global('posix', 'system'), ...tuple(unicode('echo owned')), 0x52),
      object: pickle(0x7d),
      keys: [],
      storages: [],
    });
    expect(caught(() => readPth(trappedSysInfo, 'sys.pth')).message).toMatch(
      /^sys\.pth: refused to unpickle the global posix\.system/,
    );
  });

  it('gives the same tensors as the zip format for a torchvision-named ResNet state dict', () => {
    const legacyBytes = fixtureBytes('legacy-resnet-tiny.pth');
    const zipBytes = fixtureBytes('legacy-resnet-tiny-zip.pth');
    expect([detectPthFormat(legacyBytes), detectPthFormat(zipBytes)]).toEqual(['legacy', 'zip']);
    const legacy = readWeightFile(legacyBytes, 'legacy.pth');
    const zip = readWeightFile(zipBytes, 'zip.pth');
    expect([...legacy.keys()]).toEqual([...zip.keys()]);
    expect([...legacy.keys()]).toContain('layer2.0.downsample.1.running_var');
    expect(legacy.size).toBe(38);
    [...legacy].forEach(([name, tensor], k) => {
      const other = zip.get(name)!;
      expect(tensor.dtype, name).toBe(other.dtype);
      expect(tensor.shape, name).toEqual(other.shape);
      expect(tensor.data, name).toEqual(other.data);
      // make_legacy_pth.py filled tensor k with ((7 i + 3 k) mod 23 − 11) / 16, counters with k.
      const expected = Array.from(tensor.data, (_, i) =>
        tensor.dtype === 'I64' ? k : (((7 * i + 3 * k) % 23) - 11) / 16,
      );
      expect(Array.from(tensor.data), name).toEqual(expected);
    });
    expect(legacy.get('conv1.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3, 3, 3] });
    expect(legacy.get('layer1.0.bn2.num_batches_tracked')).toMatchObject({ dtype: 'I64' });
  });
});

describe('readLegacyPth on hand-assembled streams', () => {
  const tensorW = tensorOps({
    storageType: 'FloatStorage',
    key: '1',
    numel: 4,
    shape: [2],
    stride: [2],
    offset: 1,
  });
  const wellFormed = {
    object: pickle(...dictOps([['w', tensorW]])),
    keys: ['1'],
    storages: [[4, float32Bytes(1, 2, 3, 4)]] as const,
  };

  it('reads storage views (legacy view metadata) and suggests the entry that holds only tensors', () => {
    const bytes = legacyStream({
      object: pickle(
        ...dictOps([
          ['optimizer', dictOps([['state', dictOps([['0', dictOps([['buffer', tensorW]])]])]])],
          [
            'state_dict',
            dictOps([
              [
                'v',
                tensorOps({
                  storageType: 'FloatStorage',
                  key: '2',
                  numel: 6,
                  shape: [2],
                  stride: [1],
                  offset: 1,
                  view: ['3', 2, 3], // elements 2..4 of storage 2, then offset 1 within them
                }),
              ],
            ]),
          ],
        ]),
      ),
      keys: ['1', '2'],
      storages: [
        [4, float32Bytes(9, 9, 9, 9)],
        [6, float32Bytes(0, 10, 20, 30, 40, 50)],
      ],
    });
    const error = caught(() => readLegacyPth(bytes, 'views.pth'));
    expect(error.hint).toBe("If the weights are nested, pass { entry: 'state_dict' }.");
    const tensors = readLegacyPth(bytes, 'views.pth', { entry: 'state_dict' });
    expect(Array.from(tensors.get('v')!.data)).toEqual([30, 40]);
    expect(Array.from(readLegacyPth(legacyStream(wellFormed), 'ok.pth').get('w')!.data)).toEqual([
      2, 4,
    ]);
  });

  it('rejects truncated files, miscounted storages and broken headers with one-line errors', () => {
    const good = legacyStream(wellFormed);
    expect(caught(() => readPth(good.subarray(0, good.byteLength - 3), 'cut.pth')).message).toMatch(
      /^cut\.pth: storage "1" needs 24 bytes from byte \d+ but the file ends at \d+ \(truncated\?\)\.$/,
    );
    expect(caught(() => readPth(good.subarray(0, 9), 'stub.pth')).message).toMatch(
      /^stub\.pth: malformed pickle at byte 4: needs 10 more bytes but the pickle ends/,
    );
    const miscounted = legacyStream({ ...wellFormed, storages: [[3, float32Bytes(1, 2, 3, 4)]] });
    expect(caught(() => readPth(miscounted, 'count.pth')).message).toMatch(
      /^count\.pth: storage "1" is recorded with 3 elements at byte \d+, but its tensors name 4\.$/,
    );
    const unknownKey = legacyStream({ ...wellFormed, keys: ['1', '5'] });
    expect(caught(() => readPth(unknownKey, 'keys.pth')).message).toBe(
      'keys.pth: storage "5" is in the storage list but no tensor names it.',
    );
    const missingData = legacyStream({ ...wellFormed, keys: [], storages: [] });
    expect(caught(() => readPth(missingData, 'lacks.pth')).message).toBe(
      `lacks.pth: tensor "w" refers to storage "1", which the file's storage list lacks.`,
    );
    const bigEndian = legacyStream({
      ...wellFormed,
      sysInfo: pickle(...dictOps([['little_endian', [0x89]]])),
    });
    expect(caught(() => readPth(bigEndian, 'be.pth')).message).toBe(
      'be.pth: it was saved big-endian; only little-endian files are supported.',
    );
    const wrongVersion = good.slice();
    wrongVersion[good.indexOf(0xe9)] = 0xe8; // protocol version 1001 → 1000
    expect(caught(() => readPth(wrongVersion, 'v.pth')).message).toBe(
      'v.pth: its torch.save protocol version is 1000; only 1001 is known.',
    );
    const wrongMagic = good.slice();
    wrongMagic[13] = 0x18; // the magic's top byte
    expect(detectPthFormat(wrongMagic)).toBe('pickle');
    expect(caught(() => readLegacyPth(wrongMagic, 'm.pth')).message).toBe(
      "m.pth: its first pickle is not torch.save's magic number: not a .pth file.",
    );
  });
});

describe('readWeightFile format detection', () => {
  it('keeps reading safetensors whose header length starts like a pickle, and names bad files', () => {
    // A 640-byte (0x0280) header: the file opens 0x80 0x02 like a protocol-2 pickle.
    const json = JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    const header = new TextEncoder().encode(json.padEnd(0x280, ' '));
    const file = new Uint8Array(8 + header.byteLength + 4);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.byteLength), true);
    file.set(header, 8);
    file.set(float32Bytes(2.5), 8 + header.byteLength);
    expect([file[0], file[1]]).toEqual([0x80, 0x02]);
    expect(detectPthFormat(file)).toBeUndefined();
    expect(Array.from(readWeightFile(file, 'w.safetensors').get('w')!.data)).toEqual([2.5]);

    expect(caught(() => readWeightFile(pickle(0x7d), 'dict.pkl')).message).toBe(
      "dict.pkl: it is a pickle but does not start with torch.save's magic number, so it is not a .pth file.",
    );
    expect(caught(() => readWeightFile(new Uint8Array(32).fill(0x41), 'junk.bin')).message).toMatch(
      /^junk\.bin is not a valid safetensors file/,
    );
  });
});
