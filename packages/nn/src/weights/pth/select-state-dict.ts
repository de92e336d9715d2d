import { failPth } from './pth-error.js';
import type { PickleDict, PickleValue, TensorRef } from './safe-unpickler.js';

export interface ReadPthOptions {
  /**
   * For a checkpoint that wraps the state dict (`{'state_dict': …, 'epoch': …}` as MoCo saves
   * it, `{'model': …, 'args': …}` as DETR does), the key of the state dict inside it. Without it
   * the top-level dict must hold tensors only.
   */
  readonly entry?: string;
  /**
   * Without `entry`: when the top-level dict is not a state dict but exactly one dict inside it
   * holds tensors only (MoCo's `state_dict`, DETR's `model`), read that one. For front ends where
   * the user names a file, not an entry (`--init`, `backboneWeights`).
   */
  readonly unwrap?: boolean;
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
 * The tensors of the state dict a checkpoint's unpickled object holds: the object itself, or
 * the dict under `options.entry`. Both `.pth` formats (zip and legacy) share this, so a wrapped
 * checkpoint is read the same way whichever format it was saved in.
 *
 * @throws SsdetError `PTH_INVALID` when the object (or the entry) is not a dict of tensors only;
 *   when the dict wraps others, the hint names the `entry` that holds tensors.
 */
export function selectStateDict(
  root: PickleValue,
  options: ReadPthOptions,
  sourceName: string,
): Map<string, TensorRef> {
  if (!(root instanceof Map))
    failPth(sourceName, 'the pickled object is not a dict, so it is not a state dict.');
  let stateDict: PickleDict = root;
  if (options.entry !== undefined) {
    const inner = root.get(options.entry);
    if (!(inner instanceof Map)) {
      failPth(
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
    const wrappers = [...stateDict.entries()].filter(
      (pair): pair is [string, PickleDict] => typeof pair[0] === 'string' && pair[1] instanceof Map,
    );
    // Prefer the nested dict that holds only tensors (MoCo's 'state_dict' over its 'optimizer').
    const tensorDicts = wrappers.filter(
      ([, inner]) => inner.size > 0 && [...inner.values()].every(isTensorRef),
    );
    if (options.unwrap === true && options.entry === undefined && tensorDicts.length === 1)
      return new Map(
        [...tensorDicts[0]![1]].map(([key, value]) => [String(key), value as TensorRef]),
      );
    const suggestion = tensorDicts[0] ?? wrappers[0];
    failPth(
      sourceName,
      `it is not a plain tensor state dict: ${nonTensors.slice(0, 5).join(', ')}${nonTensors.length > 5 ? ', …' : ''} ${nonTensors.length === 1 ? 'is not a tensor' : 'are not tensors'}.`,
      suggestion === undefined
        ? undefined
        : `If the weights are nested, pass { entry: '${suggestion[0]}' }.`,
    );
  }
  return new Map([...stateDict].map(([key, value]) => [String(key), value as TensorRef]));
}
