/**
 * Pickle opcodes for hand-assembled test pickles (protocol 2), and legacy `torch.save` streams
 * built from them — for cases torch itself no longer writes (storage views) or must never be
 * unpickled by Python (malicious payloads).
 */

export const ascii = (text: string): number[] => [...new TextEncoder().encode(text)];

/** GLOBAL `module.name`. */
export const global = (module: string, name: string): number[] => [
  0x63,
  ...ascii(`${module}\n${name}\n`),
];

/** BINUNICODE `text` (ASCII). */
export const unicode = (text: string): number[] => [
  0x58,
  text.length & 0xff,
  text.length >> 8,
  0,
  0,
  ...ascii(text),
];

/** BININT1 (0–255). */
export const int1 = (value: number): number[] => [0x4b, value];

/** MARK, items, TUPLE. */
export const tuple = (...items: number[][]): number[] => [0x28, ...items.flat(), 0x74];

/** PROTO 2, the opcodes, STOP. */
export const pickle = (...ops: number[]): Uint8Array => Uint8Array.from([0x80, 2, ...ops, 0x2e]);

export interface TensorOps {
  readonly storageType: string; // e.g. 'FloatStorage'
  readonly key: string;
  readonly numel: number;
  readonly offset?: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** Legacy view metadata: (view key, offset, numel) of a slice of the root storage. */
  readonly view?: readonly [string, number, number];
}

/** `torch._utils._rebuild_tensor_v2(<persistent storage>, offset, shape, stride, False, OrderedDict())`. */
export function tensorOps(tensor: TensorOps): number[] {
  const view = tensor.view
    ? tuple(unicode(tensor.view[0]), int1(tensor.view[1]), int1(tensor.view[2]))
    : [0x4e];
  return [
    ...global('torch._utils', '_rebuild_tensor_v2'),
    ...tuple(
      [
        ...tuple(
          unicode('storage'),
          global('torch', tensor.storageType),
          unicode(tensor.key),
          unicode('cpu'),
          int1(tensor.numel),
          view,
        ),
        0x51, // BINPERSID
      ],
      int1(tensor.offset ?? 0),
      tuple(...tensor.shape.map(int1)),
      tuple(...tensor.stride.map(int1)),
      [0x89], // False
      [...global('collections', 'OrderedDict'), 0x29, 0x52],
    ),
    0x52, // REDUCE
  ];
}

/** A dict pickle body (no PROTO/STOP) from key → value opcodes. */
export function dictOps(entries: ReadonlyArray<readonly [string, number[]]>): number[] {
  return [0x7d, 0x28, ...entries.flatMap(([key, value]) => [...unicode(key), ...value]), 0x75];
}

export const LEGACY_MAGIC_PICKLE = pickle(
  0x8a,
  10,
  0x6c,
  0xfc,
  0x9c,
  0x46,
  0xf9,
  0x20,
  0x6a,
  0xa8,
  0x50,
  0x19,
);

const LEGACY_VERSION_PICKLE = pickle(0x4d, 0xe9, 0x03); // BININT2 1001

export interface LegacyStream {
  readonly sysInfo?: Uint8Array;
  readonly object: Uint8Array;
  readonly keys: readonly string[];
  /** Per key, in order: the element count written before the data, and the data. */
  readonly storages: ReadonlyArray<readonly [number, Uint8Array]>;
}

/** A legacy torch.save file: magic, version, sys_info, object, key list, raw storages. */
export function legacyStream(stream: LegacyStream): Uint8Array {
  const sysInfo = stream.sysInfo ?? pickle(...dictOps([['little_endian', [0x88]]])); // {'little_endian': True}
  const keys = pickle(0x5d, 0x28, ...stream.keys.flatMap(unicode), 0x65); // EMPTY_LIST, APPENDS
  const raw = stream.storages.flatMap(([count, data]) => {
    const header = new Uint8Array(8);
    new DataView(header.buffer).setBigInt64(0, BigInt(count), true);
    return [...header, ...data];
  });
  return Uint8Array.from([
    ...LEGACY_MAGIC_PICKLE,
    ...LEGACY_VERSION_PICKLE,
    ...sysInfo,
    ...stream.object,
    ...keys,
    ...raw,
  ]);
}

/** Little-endian bytes of float32 values. */
export const float32Bytes = (...values: number[]): Uint8Array =>
  new Uint8Array(new Float32Array(values).buffer);
