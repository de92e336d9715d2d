import { describe, expect, it } from 'vitest';
import { readRestrictedPickle } from './safe-unpickler.js';

const ascii = (text: string): number[] => [...new TextEncoder().encode(text)];
const global = (module: string, name: string): number[] => [0x63, ...ascii(`${module}\n${name}\n`)];
const unicode = (text: string): number[] => [0x58, text.length, 0, 0, 0, ...ascii(text)];
const pickle = (...ops: number[]): Uint8Array => Uint8Array.from([0x80, 2, ...ops, 0x2e]);

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
    expect(() => readRestrictedPickle(pickle(0x81), 'g.pth')).toThrow(
      /opcode 0x81 \(NEWOBJ\) at byte 2/,
    );
    expect(() => readRestrictedPickle(pickle(0x69), 'g.pth')).toThrow(/opcode 0x69 \(INST\)/);
    expect(() => readRestrictedPickle(pickle(0xfe), 'g.pth')).toThrow(/opcode 0xfe \(unknown\)/);
    expect(() => readRestrictedPickle(pickle(0x5d, 0x7d, 0x62), 'h.pth')).toThrow(
      /BUILD \(setting object state\) on something other than an OrderedDict/,
    );
    expect(() =>
      readRestrictedPickle(pickle(0x28, ...unicode('file'), 0x74, 0x51), 'i.pth'),
    ).toThrow(/a persistent id that is not a \('storage'/);
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
