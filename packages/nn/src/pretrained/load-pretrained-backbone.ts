import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXPORTED_BACKBONE_FILE, SsdetError, type HasVariables } from '@ssdet/core';
import { loadStateDict, type LoadStateDictReport } from '../weights/load-state-dict.js';
import { readWeightFile } from '../weights/read-weight-file.js';
import type { StateDictNaming } from '../weights/state-dict-names.js';
import type { WeightMap } from '../weights/weight-tensor.js';

/** A weights source as the user named it: a file, or the directory of an `ssdet pretrain` run. */
export interface WeightSource {
  /** The file the tensors are read from (`<run>/backbone.safetensors` for a run). */
  readonly file: string;
  /** The run directory when the source is one. */
  readonly runDir?: string;
}

/**
 * Where `source` keeps its weights: a weights file as is, or a pre-training run directory's
 * exported backbone. `field` names the option in errors (`--init`, `backboneWeights`).
 */
export function resolveWeightSource(source: string, field: string): WeightSource {
  const location = path.resolve(source);
  if (!existsSync(location))
    throw new SsdetError(
      'WEIGHTS_MISSING',
      `${field} ${source}: no such file or run directory (expected a weights file or an \`ssdet pretrain\` run directory).`,
    );
  if (!statSync(location).isDirectory()) return { file: location };
  const file = path.join(location, EXPORTED_BACKBONE_FILE);
  if (!existsSync(file))
    throw new SsdetError(
      'WEIGHTS_NO_BACKBONE',
      `${field} ${source}: the run directory has no ${EXPORTED_BACKBONE_FILE} (a finished \`ssdet pretrain\` writes it; \`ssdet export\` writes it from a checkpoint).`,
    );
  return { file, runDir: location };
}

/** Reads a weight source's tensors (`.safetensors`, `.pth` of either PyTorch format). */
export function readWeightSource(source: WeightSource, field: string): WeightMap {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source.file);
  } catch (error) {
    throw new SsdetError(
      'WEIGHTS_UNREADABLE',
      `${field} ${source.file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
    );
  }
  // The user names a file, not an entry: a wrapped checkpoint (MoCo's `state_dict`, DETR's
  // `model`) is unwrapped when exactly one dict inside it is a state dict.
  return readWeightFile(bytes, source.file, { unwrap: true });
}

/** Prefixes under which released checkpoints keep a torchvision ResNet, longest first. */
const TORCHVISION_PREFIXES = [
  'module.encoder_q.', // MoCo, DenseCL (OpenSelfSup exports strip it)
  'backbone.0.body.', // DETR, UP-DETR
  'backbone.body.', // torchvision detectors
  'module.', // SwAV, DataParallel
] as const;

/**
 * How a state dict names a backbone: detectron2 (`stem.*`, `res2.*`, optionally under
 * `backbone.bottom_up.`) or torchvision under one of the known prefixes, or none.
 */
export function backboneNaming(names: readonly string[]): {
  readonly naming: StateDictNaming;
  readonly prefix: string;
} {
  if (names.some((name) => name.startsWith('backbone.bottom_up.')))
    return { naming: 'detectron2', prefix: 'backbone.bottom_up.' };
  if (names.some((name) => name.startsWith('stem.') || name.startsWith('res2.')))
    return { naming: 'detectron2', prefix: '' };
  // The first block's conv, or else the stem's (the shortest name ending in conv1.weight).
  const anchor =
    names.find((name) => name.endsWith('layer1.0.conv1.weight')) ??
    names.filter((name) => name.endsWith('conv1.weight')).sort((a, b) => a.length - b.length)[0];
  const prefix =
    TORCHVISION_PREFIXES.find((candidate) => anchor?.startsWith(candidate) === true) ?? '';
  return { naming: 'torchvision', prefix };
}

export interface LoadPretrainedBackboneOptions {
  /** Every backbone variable must come from the file (default); `false` keeps the missing ones. */
  readonly complete?: boolean;
}

export interface PretrainedBackboneReport {
  readonly source: WeightSource;
  readonly naming: StateDictNaming;
  /** The prefix removed from the file's names. */
  readonly prefix: string;
  readonly report: LoadStateDictReport;
}

/**
 * Loads pre-trained weights into a backbone from a weights file (torchvision or detectron2
 * names, under the prefixes of released checkpoints — SwAV, MoCo, DETR, torchvision and
 * detectron2 detectors) or from an `ssdet pretrain` run directory. Entries the backbone does
 * not have (`fc.*`, projection heads, detector heads) are ignored; every backbone variable must
 * be in the file (unless `complete: false`) with its shape, or one error says what differs.
 */
export function loadPretrainedBackbone(
  backbone: HasVariables & { readonly name: string },
  source: string,
  field: string,
  options: LoadPretrainedBackboneOptions = {},
): PretrainedBackboneReport {
  const resolved = resolveWeightSource(source, field);
  const tensors = readWeightSource(resolved, field);
  return loadBackboneTensors(backbone, tensors, resolved, field, options);
}

/** {@link loadPretrainedBackbone} for tensors already read (a caller that also inspects them). */
export function loadBackboneTensors(
  backbone: HasVariables & { readonly name: string },
  tensors: WeightMap,
  source: WeightSource,
  field: string,
  options: LoadPretrainedBackboneOptions = {},
): PretrainedBackboneReport {
  const names = [...tensors.keys()];
  const { naming, prefix } = backboneNaming(names);
  const report = loadStateDict(backbone, tensors, { strict: false, naming, prefix });
  if (report.loaded.length === 0 && report.shapeMismatches.length === 0)
    throw new SsdetError(
      'WEIGHTS_NOT_A_BACKBONE',
      `${field} ${source.file}: none of its ${names.length} tensors is a variable of backbone "${backbone.name}" (first entries: ${names.slice(0, 3).join(', ')}).`,
      {
        hint: 'Pass a torchvision- or detectron2-named ResNet state dict, or an ssdet pretrain run.',
      },
    );
  const complete = options.complete ?? true;
  if ((complete && report.missing.length > 0) || report.shapeMismatches.length > 0) {
    const first = report.shapeMismatches[0];
    const detail =
      first === undefined
        ? `e.g. ${report.missing[0]!} is missing`
        : `e.g. ${first.name} is [${first.actual.join(', ')}], expected [${first.expected.join(', ')}]`;
    throw new SsdetError(
      'WEIGHTS_BACKBONE_MISMATCH',
      `${field} ${source.file}: does not fit backbone "${backbone.name}" (${report.missing.length} variables missing, ${report.shapeMismatches.length} of another shape; ${detail}).`,
      { hint: 'Was it pre-trained with another backbone arch or widthMultiplier?' },
    );
  }
  return { source, naming, prefix, report };
}
