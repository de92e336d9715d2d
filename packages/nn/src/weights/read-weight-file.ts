import { detectPthFormat } from './pth/pth-format.js';
import { readPth, type ReadPthOptions } from './pth/read-pth.js';
import { readSafetensors } from './safetensors.js';
import type { WeightMap } from './weight-tensor.js';

/**
 * Reads a state dict from a `.pth` — zip (`PK\x03\x04`) or legacy (a pickle stream opening with
 * torch.save's magic number), see {@link readPth} — or a safetensors file (anything else),
 * whatever the file is called.
 */
export function readWeightFile(
  bytes: Uint8Array,
  sourceName: string,
  options: ReadPthOptions = {},
): WeightMap {
  return detectPthFormat(bytes) === undefined
    ? readSafetensors(bytes, sourceName).tensors
    : readPth(bytes, sourceName, options);
}
