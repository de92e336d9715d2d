import {
  detectron2ToSsdetName,
  isIgnoredTorchvisionName,
  ssdetToDetectron2Name,
  ssdetToTorchvisionName,
  torchvisionToSsdetName,
} from './name-maps.js';

/**
 * The naming convention of a weight file: `torchvision` (ssdet's own, the identity) or
 * `detectron2` (`stem.*`, `res2`…`res5`), or a custom mapping.
 */
export type StateDictNaming = 'torchvision' | 'detectron2' | NameMapping;

/** A custom convention: file name ⇄ ssdet name. */
export interface NameMapping {
  /** File name → ssdet name; `undefined` skips the entry (reported as ignored). */
  readonly toSsdet: (fileName: string) => string | undefined;
  readonly fromSsdet: (ssdetName: string) => string;
  /**
   * ssdet names that may be absent on either side without an error: an import skips them when
   * the model lacks them and leaves the variable as it is when the file lacks them.
   * Default: {@link isIgnoredTorchvisionName} (`fc.*`, `*.num_batches_tracked`).
   */
  readonly isOptional?: (ssdetName: string) => boolean;
}

export function resolveNaming(naming: StateDictNaming): Required<NameMapping> {
  if (naming === 'torchvision') {
    return {
      toSsdet: torchvisionToSsdetName,
      fromSsdet: ssdetToTorchvisionName,
      isOptional: isIgnoredTorchvisionName,
    };
  }
  if (naming === 'detectron2') {
    return {
      toSsdet: detectron2ToSsdetName,
      fromSsdet: ssdetToDetectron2Name,
      isOptional: isIgnoredTorchvisionName,
    };
  }
  return { isOptional: isIgnoredTorchvisionName, ...naming };
}
