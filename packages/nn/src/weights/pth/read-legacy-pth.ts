import { DTYPE_BYTES, type WeightMap } from '../weight-tensor.js';
import { materializeTensors } from './materialize-tensors.js';
import { failPth } from './pth-error.js';
import { LEGACY_MAGIC_NUMBER } from './pth-format.js';
import { readRestrictedPickleAt, type StorageRef } from './safe-unpickler.js';
import { selectStateDict, type ReadPthOptions } from './select-state-dict.js';

/** torch/serialization.py's PROTOCOL_VERSION, the second pickle of a legacy file. */
const LEGACY_PROTOCOL_VERSION = 1001;

/**
 * Reads a state dict from a legacy `torch.save` file (PyTorch < 1.6, or
 * `_use_new_zipfile_serialization=False`) — how SwAV's, MoCo's and DETR's released checkpoints
 * were saved. The file is a stream of pickles — the magic number, the protocol version 1001, a
 * `sys_info` dict, the object (its storages named by persistent ids), the list of storage keys —
 * followed, for each key in that list, by an int64 element count and the storage's raw bytes.
 *
 * Every pickle goes through the restricted unpickler, which never runs code (`PICKLE_REFUSED`
 * otherwise); `argparse.Namespace` values (checkpoints' `args`) are kept as inert records.
 * Wrapped checkpoints, views and dtypes are handled as by {@link readPth}'s zip path; only the
 * storages of the selected state dict are decoded.
 */
export function readLegacyPth(
  bytes: Uint8Array,
  sourceName: string,
  options: ReadPthOptions = {},
): WeightMap {
  const magic = readRestrictedPickleAt(bytes, 0, sourceName);
  if (magic.value !== LEGACY_MAGIC_NUMBER)
    failPth(sourceName, "its first pickle is not torch.save's magic number: not a .pth file.");
  const version = readRestrictedPickleAt(bytes, magic.end, sourceName);
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    failPth(
      sourceName,
      `its torch.save protocol version is ${String(version.value)}; only ${LEGACY_PROTOCOL_VERSION} is known.`,
    );
  }
  const sysInfo = readRestrictedPickleAt(bytes, version.end, sourceName);
  if (!(sysInfo.value instanceof Map))
    failPth(sourceName, 'its sys_info pickle is not a dict (corrupt file?).');
  if (sysInfo.value.get('little_endian') === false)
    failPth(sourceName, 'it was saved big-endian; only little-endian files are supported.');
  const object = readRestrictedPickleAt(bytes, sysInfo.end, sourceName);
  const keyList = readRestrictedPickleAt(bytes, object.end, sourceName);
  const stateDict = selectStateDict(object.value, options, sourceName);

  const roots = new Map<string, StorageRef>();
  for (const storage of object.storages) {
    const seen = roots.get(storage.key);
    if (seen && (seen.dtype !== storage.dtype || seen.numel !== storage.numel)) {
      failPth(
        sourceName,
        `storage "${storage.key}" is named as ${seen.numel} ${seen.dtype} and as ${storage.numel} ${storage.dtype} elements.`,
      );
    }
    roots.set(storage.key, storage);
  }
  const keys = keyList.value;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string'))
    failPth(sourceName, 'the pickle after the object is not the list of storage keys.');

  // The raw section holds every storage back to back, so each one's length must be known to
  // find the next — even those of tensors outside the selected state dict (optimizer state…).
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = new Map<string, Uint8Array>();
  let at = keyList.end;
  for (const key of keys as string[]) {
    const root = roots.get(key);
    if (!root)
      failPth(sourceName, `storage "${key}" is in the storage list but no tensor names it.`);
    const length = root.numel * DTYPE_BYTES[root.dtype];
    if (at + 8 + length > bytes.byteLength) {
      failPth(
        sourceName,
        `storage "${key}" needs ${8 + length} bytes from byte ${at} but the file ends at ${bytes.byteLength} (truncated?).`,
      );
    }
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(root.numel)) {
      failPth(
        sourceName,
        `storage "${key}" is recorded with ${count} elements at byte ${at}, but its tensors name ${root.numel}.`,
      );
    }
    raw.set(key, bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }

  return materializeTensors(
    stateDict,
    {
      bytes: (storage, tensorName) =>
        raw.get(storage.key) ??
        failPth(
          sourceName,
          `tensor "${tensorName}" refers to storage "${storage.key}", which the file's storage list lacks.`,
        ),
      describe: (key) => `storage "${key}"`,
    },
    sourceName,
  );
}
