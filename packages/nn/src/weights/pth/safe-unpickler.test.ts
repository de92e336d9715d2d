import { describe, expect, it } from 'vitest';
import {
  readRestrictedPickle,
  readRestrictedPickleAt,
  type PickleRecord,
  type TensorRef,
} from './safe-unpickler.js';
import {
  dictOps,
  global,
  int1,
  LEGACY_MAGIC_PICKLE,
  pickle,
  tensorOps,
  tuple,
  unicode,
} from './test-support/pickle-ops.js';

describe('readRestrictedPickle', () => {
  it('reads dicts, tuples, lists, ints, floats, strings, booleans, None and memo references', () => {
    const value = readRestrictedPickle(
      pickle(
        0x7d, // EMPTY_DICT
        0x71,
        0, // BINPUT 0
        0x28, // MARK
        ...unicode('a'),
        0x4b,
        7,
        0x4d,
        0x34,
        0x12,
        0x4a,
        0xff,
        0xff,
        0xff,
        0xff,
        0x87, // (7, 0x1234, -1)
        ...unicode('b'),
        0x5d,
        0x88,
        0x61,
        0x89,
        0x61,
        0x4e,
        0x61, // [True, False, None]
        ...unicode('c'),
        0x47,
        0x3f,
        0xf8,
        0,
        0,
        0,
        0,
        0,
        0, // 1.5
        ...unicode('d'),
        0x8a,
        5,
        0,
        0,
        0,
        0,
        1, // 2 ** 32 as LONG1
        0x75, // SETITEMS
        ...unicode('e'),
        0x68,
        0,
        0x73, // e: the dict itself (BINGET 0), SETITEM
      ),
      'x.pkl',
    ) as Map<string, unknown>;
    expect(value.get('a')).toEqual([7, 0x1234, -1]);
    expect(value.get('b')).toEqual([true, false, null]);
    expect(value.get('c')).toBe(1.5);
    expect(value.get('d')).toBe(2 ** 32);
    expect(value.get('e')).toBe(value);
  });

  it('refuses globals outside the allow-list before anything could run', () => {
    expect(() =>
      readRestrictedPickle(
        pickle(...global('builtins', 'eval'), ...unicode('1'), 0x85, 0x52),
        'a.pth',
      ),
    ).toThrow(/a\.pth: refused to unpickle the global builtins\.eval/);
    expect(() => readRestrictedPickle(pickle(...global('posix', 'system')), 'b.pth')).toThrow(
      /the global posix\.system/,
    );
    expect(() =>
      readRestrictedPickle(pickle(...unicode('os'), ...unicode('system'), 0x93), 'c.pth'),
    ).toThrow(/the global os\.system/);
    expect(() => readRestrictedPickle(pickle(...global('torch', 'load')), 'd.pth')).toThrow(
      /the global torch\.load/,
    );
  });

  it('refuses calls to allowed non-functions, unknown opcodes and BUILD on objects', () => {
    expect(() =>
      readRestrictedPickle(pickle(...global('torch', 'FloatStorage'), 0x29, 0x52), 'e.pth'),
    ).toThrow(/refused to unpickle a call to torch\.FloatStorage/);
    expect(() =>
      readRestrictedPickle(
        pickle(...global('torch._utils', '_rebuild_tensor_v2'), 0x29, 0x52),
        'f.pth',
      ),
    ).toThrow(/_rebuild_tensor_v2 with arguments other than/);
    expect(() =>
      readRestrictedPickle(pickle(...global('collections', 'OrderedDict'), 0x29, 0x81), 'g.pth'),
    ).toThrow(/NEWOBJ \(creating an object\) of collections\.OrderedDict \(byte 28\)/);
    expect(() => readRestrictedPickle(pickle(0x69), 'g.pth')).toThrow(/opcode 0x69 \(INST\)/);
    expect(() => readRestrictedPickle(pickle(0xfe), 'g.pth')).toThrow(/opcode 0xfe \(unknown\)/);
    expect(() => readRestrictedPickle(pickle(0x5d, 0x7d, 0x62), 'h.pth')).toThrow(
      /BUILD \(setting object state\) on something other than an OrderedDict/,
    );
    expect(() =>
      readRestrictedPickle(pickle(0x28, ...unicode('file'), 0x74, 0x51), 'i.pth'),
    ).toThrow(/a persistent id that is not a \('storage'/);
  });

  it('keeps argparse.Namespace (NEWOBJ + BUILD) as an inert record, and nothing else', () => {
    const namespace = [
      ...global('argparse', 'Namespace'),
      0x29, // EMPTY_TUPLE
      0x81, // NEWOBJ
      ...dictOps([
        ['lr', [0x47, 0x3f, 0x1a, 0x36, 0xe2, 0xeb, 0x1c, 0x43, 0x2d]], // 1e-4
        ['backbone', unicode('resnet50')],
        ['frozen_weights', [0x4e]],
      ]),
      0x62, // BUILD
    ];
    const value = readRestrictedPickle(
      pickle(...dictOps([['args', namespace]])),
      'args.pth',
    ) as Map<string, PickleRecord>;
    const args = value.get('args')!;
    expect(args.kind).toBe('record');
    expect(args.className).toBe('argparse.Namespace');
    expect(Object.fromEntries(args.fields)).toEqual({
      lr: 1e-4,
      backbone: 'resnet50',
      frozen_weights: null,
    });

    // Calling the class, giving NEWOBJ arguments, or a non-dict state is not how pickle saves it.
    expect(() =>
      readRestrictedPickle(pickle(...global('argparse', 'Namespace'), 0x29, 0x52), 'a.pth'),
    ).toThrow(/refused to unpickle a call to argparse\.Namespace/);
    expect(() =>
      readRestrictedPickle(
        pickle(...global('argparse', 'Namespace'), ...tuple(int1(1)), 0x81),
        'b.pth',
      ),
    ).toThrow(/NEWOBJ \(creating an object\) of argparse\.Namespace/);
    expect(() =>
      readRestrictedPickle(
        pickle(...global('argparse', 'Namespace'), 0x29, 0x81, 0x5d, 0x62),
        'c.pth',
      ),
    ).toThrow(/BUILD \(setting object state\) on something other than/);
    expect(() =>
      readRestrictedPickle(pickle(...global('argparse', 'ArgumentParser')), 'd.pth'),
    ).toThrow(/the global argparse\.ArgumentParser/);
  });

  it('reads one pickle of a stream at an offset, reporting its end and its storages', () => {
    const first = LEGACY_MAGIC_PICKLE;
    const second = pickle(
      ...dictOps([
        [
          'w',
          tensorOps({ storageType: 'FloatStorage', key: '7', numel: 6, shape: [2], stride: [3] }),
        ],
        [
          'v',
          tensorOps({
            storageType: 'LongStorage',
            key: '9',
            numel: 8,
            offset: 1,
            shape: [2],
            stride: [1],
            view: ['10', 4, 3],
          }),
        ],
      ]),
    );
    const stream = Uint8Array.from([...first, ...second, 0xff]);
    const magic = readRestrictedPickleAt(stream, 0, 'stream.pth');
    expect(magic.value).toBe(0x1950a86a20f9469cfc6cn);
    expect(magic.end).toBe(first.byteLength);
    const object = readRestrictedPickleAt(stream, magic.end, 'stream.pth');
    expect(object.end).toBe(first.byteLength + second.byteLength);
    expect(object.storages.map((storage) => [storage.key, storage.dtype])).toEqual([
      ['7', 'F32'],
      ['9', 'I64'],
    ]);
    const tensors = object.value as Map<string, TensorRef>;
    expect(tensors.get('w')).toMatchObject({ shape: [2], stride: [3], storageOffset: 0 });
    expect(tensors.get('v')!.storage).toMatchObject({ numel: 8, view: { offset: 4, numel: 3 } });
    // byte positions count from the start of the stream
    expect(() => readRestrictedPickleAt(stream, stream.byteLength - 1, 'stream.pth')).toThrow(
      new RegExp(
        `stream\\.pth: refused to unpickle opcode 0xff \\(unknown\\) at byte ${stream.byteLength - 1}`,
      ),
    );
    // a view must lie inside its root storage
    expect(() =>
      readRestrictedPickle(
        pickle(
          ...tensorOps({
            storageType: 'FloatStorage',
            key: '1',
            numel: 4,
            shape: [1],
            stride: [1],
            view: ['2', 3, 2],
          }),
        ),
        'view.pth',
      ),
    ).toThrow(/storage 1's view metadata is not a \(key, offset, numel\) slice of its 4 elements/);
  });

  it('reads the older _rebuild_tensor (four arguments) and integers of up to 16 bytes', () => {
    const storage = [
      ...tuple(
        unicode('storage'),
        global('torch', 'DoubleStorage'),
        unicode('3'),
        unicode('cpu'),
        int1(4),
      ),
      0x51,
    ];
    const tensor = readRestrictedPickle(
      pickle(
        ...global('torch._utils', '_rebuild_tensor'),
        ...tuple(storage, int1(1), tuple(int1(3)), tuple(int1(1))),
        0x52,
      ),
      'old.pth',
    );
    expect(tensor).toMatchObject({ kind: 'tensor', storageOffset: 1, shape: [3], stride: [1] });
    expect((tensor as TensorRef).storage.dtype).toBe('F64');
    expect(() =>
      readRestrictedPickle(
        pickle(...global('torch._utils', '_rebuild_tensor'), ...tuple(storage, int1(0)), 0x52),
        'old.pth',
      ),
    ).toThrow(/_rebuild_tensor with arguments other than \(storage, offset, size, stride\)/);
    expect(
      readRestrictedPickle(pickle(0x8a, 16, ...new Array<number>(15).fill(0), 0x40), 'x'),
    ).toBe(1n << 126n);
    expect(() =>
      readRestrictedPickle(pickle(0x8a, 17, ...new Array<number>(17).fill(0)), 'y.pth'),
    ).toThrow(/refused to unpickle an integer of 17 bytes/);
  });

  it('rejects truncated and malformed pickles as invalid', () => {
    expect(() =>
      readRestrictedPickle(Uint8Array.from([0x80, 2, 0x58, 9, 0, 0, 0, 0x61]), 'j.pkl'),
    ).toThrow(/j\.pkl: malformed pickle at byte 7: needs 9 more bytes but the pickle ends/);
    expect(() => readRestrictedPickle(Uint8Array.from([0x80, 2, 0x7d]), 'k.pkl')).toThrow(
      /pickle ends \(truncated\?\)/,
    );
    expect(() => readRestrictedPickle(pickle(0x75), 'l.pkl')).toThrow(
      /malformed pickle .* (no MARK|stack is empty)/,
    );
    expect(() => readRestrictedPickle(pickle(0x68, 3), 'm.pkl')).toThrow(
      /memo entry 3 is read before it is written/,
    );
    expect(() => readRestrictedPickle(pickle(0x4e, 0x4e), 'n.pkl')).toThrow(
      /STOP with 2 items on the stack/,
    );
  });
});
