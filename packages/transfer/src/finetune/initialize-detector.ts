import {
  backboneNaming,
  loadBackboneTensors,
  loadStateDict,
  readWeightSource,
  resolveWeightSource,
  type LoadStateDictReport,
} from '@ssdet/nn';
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
  const source = resolveWeightSource(init, '--init');
  const { file, runDir } = source;
  const tensors = readWeightSource(source, '--init');
  const names = [...tensors.keys()];
  // A whole torchvision detector initialises everything whose name and shape fit; detectron2's
  // heads are not torchvision's, so of its detectors only the backbone is loaded (below).
  const isDetector = names.some((name) => name.startsWith('rpn.') || name.startsWith('roi_heads.'));
  if (isDetector && backboneNaming(names).naming === 'torchvision') {
    const report = loadStateDict(detector, tensors, { strict: false });
    return describe(file, 'detector', report);
  }
  const { report } = loadBackboneTensors(detector.backbone, tensors, source, '--init', {
    complete: false,
  });
  if (runDir === undefined) return describe(file, 'backbone', report);
  const artifacts = await readRunArtifacts(runDir);
  const pretrainedDetector = artifacts?.get('detector');
  if (
    (detector instanceof DetrDetector || detector instanceof DeformableDetrDetector) &&
    pretrainedDetector !== undefined
  ) {
    const { assigned } = assignMatching(detector.variables(), pretrainedDetector);
    return {
      source: runDir,
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
        source: runDir,
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
