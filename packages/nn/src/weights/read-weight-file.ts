import { readPth, type ReadPthOptions } from './pth/read-pth.js';
import { readSafetensors } from './safetensors.js';
import type { WeightMap } from './weight-tensor.js';

/**
 * Reads a state dict from a `.pth` (zip, recognised by its `PK\x03\x04` signature) or a
 * safetensors file (anything else), whatever the file is called.
 */
export function readWeightFile(
  bytes: Uint8Array,
  sourceName: string,
  options: ReadPthOptions = {},
): WeightMap {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  return isZip ? readPth(bytes, sourceName, options) : readSafetensors(bytes, sourceName).tensors;
}
