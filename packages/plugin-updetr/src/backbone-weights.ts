import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SsdetError, type HasVariables, type Logger } from '@ssdet/core';
import { loadStateDict, readWeightFile } from '@ssdet/nn';

/** A name every torchvision ResNet state dict has; what precedes it is the file's prefix. */
const ANCHOR = 'layer1.0.conv1.weight';

/**
 * Loads a torchvision-named ResNet state dict (`.pth` zip or safetensors) into the CNN, as
 * UP-DETR's `Backbone` loads SwAV's weights: a common prefix (`module.` in SwAV's file,
 * `backbone.0.body.` in a DETR checkpoint) is found and removed, and entries the ResNet does not
 * have (`fc.*`, SwAV's `projection_head.*` and `prototypes.*`) are ignored. Every ResNet variable
 * must be in the file with the right shape.
 *
 * Without a file the CNN keeps its random initialisation, and a warning says so: UP-DETR's
 * patch features then carry little information (the paper freezes a SwAV-pretrained CNN).
 */
export function loadBackboneWeights(
  backbone: HasVariables,
  file: string | undefined,
  logger: Logger,
): void {
  if (file === undefined) {
    logger.warn(
      'UP-DETR: no backboneWeights given, so the CNN is randomly initialised — and frozen, so it stays random. ' +
        'The paper freezes a SwAV-pretrained ResNet-50; pass one with --set backboneWeights=<file.pth|file.safetensors> (torchvision names).',
    );
    return;
  }
  const resolved = path.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(resolved);
  } catch (error) {
    throw new SsdetError(
      'UPDETR_BACKBONE_WEIGHTS',
      `backboneWeights: cannot read ${resolved} (${(error as Error).message}).`,
      { hint: 'Pass a torchvision-named ResNet state dict as .pth or .safetensors.' },
    );
  }
  const tensors = readWeightFile(bytes, resolved);
  const anchor = [...tensors.keys()].find((name) => name.endsWith(ANCHOR));
  if (anchor === undefined) {
    throw new SsdetError(
      'UPDETR_BACKBONE_WEIGHTS',
      `backboneWeights: ${resolved} holds no torchvision ResNet (no entry named …${ANCHOR}; first entries: ${[...tensors.keys()].slice(0, 5).join(', ')}).`,
      { hint: 'Pass a torchvision-named ResNet state dict, e.g. SwAV or torchvision ResNet-50.' },
    );
  }
  const prefix = anchor.slice(0, anchor.length - ANCHOR.length);
  const report = loadStateDict(backbone, tensors, { strict: false, prefix });
  if (report.missing.length > 0 || report.shapeMismatches.length > 0) {
    const problems = [
      ...report.missing.slice(0, 8).map((name) => `missing ${name}`),
      ...report.shapeMismatches
        .slice(0, 8)
        .map((m) => `${m.name}: model [${m.expected.join(', ')}] vs file [${m.actual.join(', ')}]`),
    ];
    throw new SsdetError(
      'UPDETR_BACKBONE_WEIGHTS',
      `backboneWeights: ${resolved} does not fit the configured backbone (${report.missing.length} missing, ${report.shapeMismatches.length} of the wrong shape): ${problems.join('; ')}.`,
      { hint: 'Check backbone.arch and backbone.widthMultiplier against the file.' },
    );
  }
  logger.info(
    `UP-DETR: loaded ${report.loaded.length} backbone tensors from ${resolved}` +
      (prefix === '' ? '' : ` (prefix "${prefix}" removed)`) +
      (report.ignored.length + report.unexpected.length > 0
        ? `; ${report.ignored.length + report.unexpected.length} other entries ignored.`
        : '.'),
  );
}
