import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdetError } from '@ssdet/core';
import { loadStateDict, readWeightFile, type LoadStateDictReport } from '@ssdet/nn';
import type { Detector } from '../detection/detector.js';
import { DeformableDetrDetector } from '../detection/deformable-detr-detector.js';
import { DetrDetector } from '../detection/detr-detector.js';
import { FasterRcnn } from '../detection/faster-rcnn.js';
import { assignMatching, readRunArtifacts } from './run-artifacts.js';

/** What `--init` loaded, for the log and the report. */
export interface Initialization {
  /** `random`, or the file the weights came from. */
  readonly source: string;
  /** `random`, `backbone`, `backbone+fpn` (SoCo) or `detector` (a DETR-family run, a detector file). */
  readonly scope: 'random' | 'backbone' | 'backbone+fpn' | 'detector';
  readonly loaded: number;
  /** Detector variables the file did not provide (heads of a backbone-only file are expected). */
  readonly missing: readonly string[];
}

/**
 * Applies `--init`: `random` leaves the initialisation alone; a pre-training run directory
 * provides its exported `backbone.safetensors`, and what else its method pre-trained that the
 * detector has: SoCo's FPN for Faster / Mask R-CNN, a DETR-family method's transformer, queries
 * and box head for DETR (the class head is the downstream task's); a weights file (`.safetensors` or `.pth`) is a
 * torchvision-named backbone (`conv1.weight`, `layer1.0.…`, optionally under `module.`,
 * `module.encoder_q.` or `backbone.body.`) or a whole torchvision detector (`backbone.body.…`,
 * `rpn.…`, `roi_heads.…`), which then initialises everything whose shape fits, or detectron2
 * names (`stem.*`, `res2.*`, optionally under `backbone.bottom_up.`), whose backbone is loaded.
 */
export async function initializeDetector(
  detector: Detector,
  init: string,
): Promise<Initialization> {
  if (init === 'random') return { source: 'random', scope: 'random', loaded: 0, missing: [] };
  const location = path.resolve(init);
  if (!existsSync(location))
    throw new SsdetError(
      'INIT_MISSING',
      `--init ${init}: no such file or run directory (expected random, a pre-training run directory or a weights file).`,
    );
  const isRun = statSync(location).isDirectory();
  const file = isRun ? path.join(location, 'backbone.safetensors') : location;
  if (!existsSync(file))
    throw new SsdetError(
      'INIT_NO_BACKBONE',
      `--init ${init}: the run directory has no backbone.safetensors (a finished \`ssdet pretrain\` writes it; \`ssdet export\` writes it from a checkpoint).`,
    );
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new SsdetError(
      'INIT_UNREADABLE',
      `--init ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
    );
  }
  const tensors = readWeightFile(bytes, file);
  const names = [...tensors.keys()];
  // detectron2 names (`stem.conv1.*`, `res2.0.*`, under `backbone.bottom_up.` in a detector
  // checkpoint): the backbone only — detectron2's heads are not torchvision's.
  const detectron2Prefix = names.some((name) => name.startsWith('backbone.bottom_up.'))
    ? 'backbone.bottom_up.'
    : names.some((name) => name.startsWith('stem.') || name.startsWith('res2.'))
      ? ''
      : undefined;
  const isDetector = names.some((name) => name.startsWith('rpn.') || name.startsWith('roi_heads.'));
  if (isDetector && detectron2Prefix === undefined) {
    const report = loadStateDict(detector, tensors, { strict: false });
    return describe(file, 'detector', report);
  }
  const prefix =
    ['module.encoder_q.', 'backbone.body.', 'module.'].find((candidate) =>
      names.every((name) => name.startsWith(candidate)),
    ) ?? '';
  const report = loadStateDict(
    detector.backbone,
    tensors,
    detectron2Prefix === undefined
      ? { strict: false, prefix }
      : { strict: false, prefix: detectron2Prefix, naming: 'detectron2' },
  );
  if (report.loaded.length === 0)
    throw new SsdetError(
      'INIT_NOTHING_LOADED',
      `--init ${file}: none of its ${names.length} tensors is a variable of backbone "${detector.backbone.name}" (first entries: ${names.slice(0, 3).join(', ')}).`,
    );
  if (report.shapeMismatches.length > 0)
    throw new SsdetError(
      'INIT_SHAPE_MISMATCH',
      `--init ${file}: ${report.shapeMismatches.length} tensor(s) have other shapes than backbone "${detector.backbone.name}", e.g. ${report.shapeMismatches[0]!.name} is [${report.shapeMismatches[0]!.actual.join(', ')}], expected [${report.shapeMismatches[0]!.expected.join(', ')}]. Was it pre-trained with another --backbone or width?`,
    );
  if (!isRun) return describe(file, 'backbone', report);
  const artifacts = await readRunArtifacts(location);
  const pretrainedDetector = artifacts?.get('detector');
  if (
    (detector instanceof DetrDetector || detector instanceof DeformableDetrDetector) &&
    pretrainedDetector !== undefined
  ) {
    const { assigned } = assignMatching(detector.variables(), pretrainedDetector);
    return {
      source: location,
      scope: 'detector',
      loaded: report.loaded.length + assigned.length,
      missing: report.missing,
    };
  }
  const fpn = artifacts?.get('fpn');
  if (detector instanceof FasterRcnn && fpn !== undefined) {
    const { assigned } = assignMatching(detector.fpn.variables(), fpn);
    if (assigned.length > 0)
      return {
        source: location,
        scope: 'backbone+fpn',
        loaded: report.loaded.length + assigned.length,
        missing: report.missing,
      };
  }
  return describe(file, 'backbone', report);
}

function describe(
  file: string,
  scope: 'backbone' | 'detector',
  report: LoadStateDictReport,
): Initialization {
  return { source: file, scope, loaded: report.loaded.length, missing: report.missing };
}
