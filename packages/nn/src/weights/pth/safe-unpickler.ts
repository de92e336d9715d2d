import { SsdetError } from '@ssdet/core';
import type { WeightDtype } from '../weight-tensor.js';

/**
 * A restricted reader for the pickles inside PyTorch checkpoints. It interprets only the
 * opcodes a state dict needs and never imports or calls anything: the few globals a state dict
 * names are matched against an allow-list and replaced by data-only stand-ins, and `REDUCE`
 * is honoured only for those stand-ins; an instance of a data-only class (`argparse.Namespace`,
 * via `NEWOBJ` and `BUILD`) becomes an inert record. Every other global or opcode is refused —
 * loading a checkpoint can therefore never run code, unlike `pickle.load` /
 * `torch.load(weights_only=False)`.
 */

/**
 * A storage named by a persistent id `('storage', torch.<Type>Storage, key, location, numel)`;
 * the legacy (pre-1.6) format appends `view_metadata`, `None` or `(view_key, offset, numel)`.
 */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: WeightDtype;
  /** The key of the whole (root) storage whose bytes the file holds. */
  readonly key: string;
  readonly location: string;
  /** Elements of the root storage. */
  readonly numel: number;
  /** Set when the tensor's storage is a slice of the root storage (legacy view metadata). */
  readonly view?: { readonly offset: number; readonly numel: number };
}

/** What `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` describes. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/**
 * An instance of an allow-listed, data-only class (`argparse.Namespace`, which checkpoints use
 * for their `args`): its class name and the attribute dict pickle's `BUILD` gave it. Nothing of
 * the class is imported or called.
 */
export interface PickleRecord {
  readonly kind: 'record';
  readonly className: string;
  readonly fields: PickleDict;
}

/** An allow-listed global, held by name only. */
export interface GlobalRef {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleValue[]
  | PickleDict
  | StorageRef
  | TensorRef
  | PickleRecord
  | GlobalRef;

/** A Python dict / OrderedDict; keys are hashable scalars (strings in a state dict). */
export type PickleDict = Map<string | number | bigint | boolean | null, PickleValue>;

/** Storage classes by name, as `torch.save` writes them, and the dtype they hold. */
export const STORAGE_DTYPES: Readonly<Record<string, WeightDtype>> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/**
 * Classes whose instances are plain attribute bags, rebuilt by pickle's `NEWOBJ` with no
 * arguments and then `BUILD` with their `__dict__`. They are recorded as {@link PickleRecord}s.
 */
const RECORD_CLASSES = new Set(['argparse.Namespace']);

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_DTYPES).map((name) => `torch.${name}`),
  ...RECORD_CLASSES,
]);

/** Enough for torch.save's legacy magic number (10 bytes); longer integers are refused. */
const MAX_LONG1_BYTES = 16;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4c: 'LONG',
  0x50: 'PERSID',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x63: 'GLOBAL',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x8b: 'LONG4',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

function isGlobal(value: unknown, qualified: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as GlobalRef).kind === 'global' &&
    `${(value as GlobalRef).module}.${(value as GlobalRef).name}` === qualified
  );
}

function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && (value as TensorRef).kind === 'tensor';
}

function isStorageRef(value: unknown): value is StorageRef {
  return typeof value === 'object' && value !== null && (value as StorageRef).kind === 'storage';
}

function isRecord(value: unknown): value is PickleRecord {
  return typeof value === 'object' && value !== null && (value as PickleRecord).kind === 'record';
}

function globalName(value: PickleValue): string | undefined {
  return typeof value === 'object' && value !== null && (value as GlobalRef).kind === 'global'
    ? `${(value as GlobalRef).module}.${(value as GlobalRef).name}`
    : undefined;
}

function asIndex(value: PickleValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(value);
  return undefined;
}

function asIndexTuple(value: PickleValue | undefined): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: number[] = [];
  for (const item of value) {
    const index = asIndex(item);
    if (index === undefined) return undefined;
    out.push(index);
  }
  return out;
}

/**
 * Interprets `bytes` (a pickle, protocol ≤ 4) and returns the value `STOP` leaves on the stack.
 *
 * @param sourceName names the file in error messages.
 * @throws SsdetError `PICKLE_REFUSED` for a global outside the allow-list, an unsupported opcode,
 *   or a call the allow-list does not cover; `PICKLE_INVALID` for a malformed pickle.
 */
export function readRestrictedPickle(bytes: Uint8Array, sourceName: string): PickleValue {
  return readRestrictedPickleAt(bytes, 0, sourceName).value;
}

/** One pickle of a stream of concatenated pickles (legacy `torch.save` files are one). */
export interface PickleAt {
  readonly value: PickleValue;
  /** The byte after its `STOP`, where the next pickle starts. */
  readonly end: number;
  /** Every storage a persistent id named, in order (repeats included). */
  readonly storages: readonly StorageRef[];
}

/**
 * Like {@link readRestrictedPickle}, for the pickle that starts at byte `start` of `bytes`; error
 * messages give byte positions in `bytes`.
 */
export function readRestrictedPickleAt(
  bytes: Uint8Array,
  start: number,
  sourceName: string,
): PickleAt {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const storages: StorageRef[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let position = start;

  const invalid = (problem: string): never => {
    throw new SsdetError(
      'PICKLE_INVALID',
      `${sourceName}: malformed pickle at byte ${position}: ${problem}`,
    );
  };
  const refuse = (problem: string): never => {
    throw new SsdetError('PICKLE_REFUSED', `${sourceName}: refused to unpickle ${problem}`, {
      hint: 'ssdet reads only plain tensor state dicts and never runs pickle code. Re-save the weights with `torch.save(model.state_dict(), path)`.',
    });
  };
  const need = (count: number): number => {
    if (count < 0 || position + count > bytes.byteLength)
      invalid(`needs ${count} more bytes but the pickle ends (truncated?).`);
    const at = position;
    position += count;
    return at;
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0 || end - position > 256)
      invalid('a GLOBAL operand is not a short newline-terminated line.');
    const text = latin1.decode(bytes.subarray(position, end));
    position = end + 1;
    return text;
  };
  const pop = (): PickleValue => {
    const item = stack.pop();
    if (item === undefined || item === MARK)
      return invalid('the stack is empty where a value was expected.');
    return item;
  };
  const top = (): PickleValue => {
    const item = stack[stack.length - 1];
    if (item === undefined || item === MARK)
      return invalid('the stack is empty where a value was expected.');
    return item;
  };
  const popToMark = (): PickleValue[] => {
    let markAt = stack.length - 1;
    while (markAt >= 0 && stack[markAt] !== MARK) markAt--;
    if (markAt < 0) invalid('no MARK on the stack.');
    const items = stack.splice(markAt) as PickleValue[];
    items.shift();
    return items;
  };
  const resolveGlobal = (module: string, name: string): GlobalRef => {
    const qualified = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(qualified))
      refuse(
        `the global ${qualified} (byte ${position}): a state dict only names tensors, storages and OrderedDict.`,
      );
    return { kind: 'global', module, name };
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map)) invalid('SETITEM(S) on something that is not a dict.');
    if (items.length % 2 !== 0) invalid('SETITEMS with an odd number of items.');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (typeof key === 'object' && key !== null)
        refuse(`a dict key that is not a string or number (byte ${position}).`);
      (target as PickleDict).set(key as string | number | bigint | boolean | null, items[i + 1]!);
    }
  };
  const memoGet = (index: number): PickleValue => {
    if (!memo.has(index)) invalid(`memo entry ${index} is read before it is written.`);
    return memo.get(index)!;
  };

  for (;;) {
    const at = need(1);
    const opcode = bytes[at]!;
    switch (opcode) {
      case 0x80: // PROTO
        if (bytes[need(1)]! > 4)
          refuse(`pickle protocol ${bytes[at + 1]} (only ≤ 4 is supported).`);
        break;
      case 0x95: // FRAME: a length hint only
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) invalid(`STOP with ${stack.length} items on the stack.`);
        return { value: pop(), end: position, storages };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: // DICT
        {
          const dict: PickleDict = new Map();
          setItems(dict, popToMark());
          stack.push(dict);
        }
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popToMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        const list = top();
        if (!Array.isArray(list)) invalid('APPEND to something that is not a list.');
        (list as PickleValue[]).push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popToMark();
        const list = top();
        if (!Array.isArray(list)) invalid('APPENDS to something that is not a list.');
        (list as PickleValue[]).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popToMark();
        setItems(top(), items);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]!);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n ≤ 8 bytes
        const length = bytes[need(1)]!;
        if (length > MAX_LONG1_BYTES) refuse(`an integer of ${length} bytes (byte ${position}).`);
        const start = need(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[start + i]!);
        if (length > 0 && (bytes[start + length - 1]! & 0x80) !== 0)
          value -= 1n << BigInt(8 * length);
        stack.push(
          value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(value)
            : value,
        );
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: {
        // BINUNICODE
        const length = view.getUint32(need(4), true);
        const start = need(length);
        try {
          stack.push(utf8.decode(bytes.subarray(start, start + length)));
        } catch {
          invalid('a BINUNICODE string is not UTF-8.');
        }
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const length = bytes[need(1)]!;
        const start = need(length);
        try {
          stack.push(utf8.decode(bytes.subarray(start, start + length)));
        } catch {
          invalid('a SHORT_BINUNICODE string is not UTF-8.');
        }
        break;
      }
      case 0x54: // BINSTRING (Python 2 str)
      case 0x55: {
        // SHORT_BINSTRING
        const length = opcode === 0x54 ? view.getInt32(need(4), true) : bytes[need(1)]!;
        const start = need(length);
        stack.push(latin1.decode(bytes.subarray(start, start + length)));
        break;
      }
      case 0x71: // BINPUT
        memo.set(bytes[need(1)]!, top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(need(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(bytes[need(1)]!));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(view.getUint32(need(4), true)));
        break;
      case 0x63: {
        // GLOBAL
        const module = readLine();
        const name = readLine();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          invalid('STACK_GLOBAL needs two strings.');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x51: {
        // BINPERSID
        const storage = persistentLoad(pop(), refuse);
        storages.push(storage);
        stack.push(storage);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!Array.isArray(args)) invalid('REDUCE arguments are not a tuple.');
        stack.push(reduce(callable, args as PickleValue[], refuse));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), honoured only for data-only record classes
        const args = pop();
        const cls = pop();
        const name = globalName(cls);
        if (name === undefined || !RECORD_CLASSES.has(name) || !Array.isArray(args) || args.length)
          refuse(
            `NEWOBJ (creating an object) of ${name ?? 'a value that is not a class'} (byte ${at}): only ${[...RECORD_CLASSES].join(', ')} without arguments is read, as data.`,
          );
        stack.push({ kind: 'record', className: name!, fields: new Map() });
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = top();
        if (isRecord(target) && state instanceof Map) {
          // A record's __dict__: kept as data, never assigned to a live object.
          for (const [key, value] of state) target.fields.set(key, value);
          break;
        }
        // OrderedDict.__reduce__ hands back its instance __dict__ (torch's `_metadata` with
        // per-module versions). It only matters for legacy BatchNorm upgrades; ignore it.
        if (!(target instanceof Map) || !(state instanceof Map || state === null)) {
          refuse(
            `BUILD (setting object state) on something other than an OrderedDict or ${[...RECORD_CLASSES].join(', ')} (byte ${at}).`,
          );
        }
        break;
      }
      default: {
        const name = OPCODE_NAMES[opcode] ?? 'unknown';
        refuse(
          `opcode 0x${opcode.toString(16).padStart(2, '0')} (${name}) at byte ${at}: it is not needed by a tensor state dict.`,
        );
      }
    }
  }
}

function persistentLoad(id: PickleValue, refuse: (problem: string) => never): StorageRef {
  if (!Array.isArray(id) || (id.length !== 5 && id.length !== 6) || id[0] !== 'storage') {
    return refuse(
      "a persistent id that is not a ('storage', type, key, location, numel[, view]) tuple.",
    );
  }
  const [, type, key, location, numel, viewMetadata = null] = id;
  const storageType = type as GlobalRef | undefined;
  const dtype =
    typeof storageType === 'object' &&
    storageType !== null &&
    storageType.kind === 'global' &&
    storageType.module === 'torch'
      ? STORAGE_DTYPES[storageType.name]
      : undefined;
  const count = asIndex(numel);
  if (
    dtype === undefined ||
    typeof key !== 'string' ||
    typeof location !== 'string' ||
    count === undefined
  ) {
    return refuse('a storage persistent id with an unknown storage type or malformed fields.');
  }
  if (viewMetadata === null) return { kind: 'storage', dtype, key, location, numel: count };
  // (view_key, offset, numel): a slice of the root storage, in elements.
  const view = Array.isArray(viewMetadata) ? viewMetadata : [];
  const offset = asIndex(view[1]);
  const viewCount = asIndex(view[2]);
  if (
    view.length !== 3 ||
    typeof view[0] !== 'string' ||
    offset === undefined ||
    viewCount === undefined ||
    offset + viewCount > count
  ) {
    return refuse(
      `storage ${key}'s view metadata is not a (key, offset, numel) slice of its ${count} elements.`,
    );
  }
  return {
    kind: 'storage',
    dtype,
    key,
    location,
    numel: count,
    view: { offset, numel: viewCount },
  };
}

function reduce(
  callable: PickleValue,
  args: PickleValue[],
  refuse: (problem: string) => never,
): PickleValue {
  if (isGlobal(callable, 'collections.OrderedDict')) {
    const dict: PickleDict = new Map();
    if (args.length === 0) return dict;
    const pairs = args[0];
    if (
      args.length === 1 &&
      Array.isArray(pairs) &&
      pairs.every((pair) => Array.isArray(pair) && pair.length === 2)
    ) {
      for (const pair of pairs as PickleValue[][]) {
        const key = pair[0]!;
        if (typeof key === 'object' && key !== null)
          refuse('an OrderedDict key that is not a string or number.');
        dict.set(key as string, pair[1]!);
      }
      return dict;
    }
    return refuse(
      'collections.OrderedDict called with arguments other than () or a list of pairs.',
    );
  }
  if (isGlobal(callable, 'torch._utils._rebuild_tensor_v2')) {
    return (
      tensorFromArgs(args, args.length >= 6) ??
      refuse(
        'torch._utils._rebuild_tensor_v2 with arguments other than (storage, offset, size, stride, requires_grad, hooks).',
      )
    );
  }
  if (isGlobal(callable, 'torch._utils._rebuild_tensor')) {
    // The older form, without requires_grad and hooks.
    return (
      tensorFromArgs(args, args.length === 4) ??
      refuse(
        'torch._utils._rebuild_tensor with arguments other than (storage, offset, size, stride).',
      )
    );
  }
  if (isGlobal(callable, 'torch._utils._rebuild_parameter')) {
    if (!isTensorRef(args[0])) return refuse('torch._utils._rebuild_parameter without a tensor.');
    return args[0];
  }
  return refuse(`a call to ${globalName(callable) ?? 'a value that is not an allowed function'}.`);
}

/** The tensor `(storage, offset, size, stride, …)` describes, or undefined if malformed. */
function tensorFromArgs(args: PickleValue[], countIsValid: boolean): TensorRef | undefined {
  const [storage, offset, size, stride] = args;
  const storageOffset = asIndex(offset);
  const shape = asIndexTuple(size);
  const strides = asIndexTuple(stride);
  if (
    !countIsValid ||
    !isStorageRef(storage) ||
    storageOffset === undefined ||
    !shape ||
    !strides ||
    shape.length !== strides.length
  )
    return undefined;
  return { kind: 'tensor', storage, storageOffset, shape, stride: strides };
}
