import type { WeightMap } from '../weight-tensor.js';
import { materializeTensors } from './materialize-tensors.js';
import { failPth } from './pth-error.js';
import { detectPthFormat } from './pth-format.js';
import { readLegacyPth } from './read-legacy-pth.js';
import { readRestrictedPickle } from './safe-unpickler.js';
import { selectStateDict, type ReadPthOptions } from './select-state-dict.js';
import { readZipEntries } from './zip-reader.js';

export type { ReadPthOptions } from './select-state-dict.js';

const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a PyTorch state dict saved by `torch.save`, in either format: the zip of PyTorch ≥ 1.6
 * (`<archive>/data.pkl`, `<archive>/data/<key>` storages, `<archive>/version`) or the legacy
 * stream of pickles that older releases wrote (see {@link readLegacyPth}).
 *
 * The pickle is interpreted by {@link readRestrictedPickle}, which never runs code: a file
 * whose pickle names any global beyond OrderedDict, tensor rebuilding, storage types and
 * `argparse.Namespace` (kept as inert data) is refused (`PICKLE_REFUSED`). Views (a storage
 * offset, non-contiguous strides, several tensors sharing a storage) are copied out contiguously
 * in C order; `_metadata` is ignored. Values decode like safetensors: floats to float32, integers
 * (e.g. `num_batches_tracked`) to int32. The tar-based format of the earliest PyTorch releases is
 * refused.
 */
export function readPth(
  bytes: Uint8Array,
  sourceName: string,
  options: ReadPthOptions = {},
): WeightMap {
  switch (detectPthFormat(bytes)) {
    case 'legacy':
      return readLegacyPth(bytes, sourceName, options);
    case 'legacy-tar':
      return failPth(
        sourceName,
        'it is in the tar-based torch.save format of the earliest PyTorch releases, which ssdet does not read.',
        'Re-save it with PyTorch ≥ 1.6: torch.save(torch.load(path), new_path).',
      );
    case 'pickle':
      return failPth(
        sourceName,
        "it is a pickle but does not start with torch.save's magic number, so it is not a .pth file.",
      );
    default:
      return readZipPth(bytes, sourceName, options);
  }
}

function readZipPth(bytes: Uint8Array, sourceName: string, options: ReadPthOptions): WeightMap {
  const entries = readZipEntries(bytes, sourceName);
  const pickleEntry = entries.find(
    (entry) => entry.name === 'data.pkl' || entry.name.endsWith('/data.pkl'),
  );
  if (!pickleEntry)
    failPth(
      sourceName,
      'the archive has no data.pkl: it is a zip file but not a torch.save checkpoint.',
    );
  if (pickleEntry.data.byteLength > MAX_PICKLE_BYTES)
    failPth(
      sourceName,
      `data.pkl is ${pickleEntry.data.byteLength} bytes, beyond the ${MAX_PICKLE_BYTES}-byte limit.`,
    );
  const prefix = pickleEntry.name.slice(0, pickleEntry.name.length - 'data.pkl'.length);
  const records = new Map(
    entries
      .filter((entry) => entry.name.startsWith(prefix))
      .map((entry) => [entry.name.slice(prefix.length), entry.data]),
  );
  const byteorder = records.get('byteorder');
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    failPth(
      sourceName,
      `its storages are ${new TextDecoder().decode(byteorder).trim()}-endian; only little-endian files are supported.`,
    );
  }

  const stateDict = selectStateDict(
    readRestrictedPickle(pickleEntry.data, sourceName),
    options,
    sourceName,
  );
  return materializeTensors(
    stateDict,
    {
      bytes: (storage, tensorName) =>
        records.get(`data/${storage.key}`) ??
        failPth(
          sourceName,
          `tensor "${tensorName}" refers to storage data/${storage.key}, which the archive lacks.`,
        ),
      describe: (key) => `storage data/${key}`,
    },
    sourceName,
  );
}
