import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '@ssdet/core';
import {
  COCO_STAT_NAMES,
  evaluateCoco,
  readCocoEvaluationInputs,
  type IouType,
} from '@ssdet/transfer';
import type { CliIo } from '../io.js';

export interface EvalCommandOptions {
  readonly gt: string;
  readonly dt: string;
  readonly iouType: IouType;
  readonly json?: string;
}

/**
 * `ssdet eval --gt <coco.json> --dt <results.json> --iou-type bbox|segm [--json out.json]`:
 * COCO evaluation identical to pycocotools' COCOeval; prints its summary lines and writes
 * `{ "<iouType>": { "stats": [12], "per_category_AP": { "<catId>": AP } } }`.
 */
export async function evalCommand(options: EvalCommandOptions, io: CliIo): Promise<number> {
  const { groundTruth, results } = await readCocoEvaluationInputs(
    path.resolve(io.cwd, options.gt),
    path.resolve(io.cwd, options.dt),
    options.iouType,
  );
  const evaluation = evaluateCoco(groundTruth, results, options.iouType);
  const lines = COCO_STAT_NAMES.map(
    (name, i) => `  ${name.padEnd(6)} ${evaluation.stats[i]!.toFixed(3)}`,
  );
  io.stdout(
    `COCO ${options.iouType} evaluation: ${results.length} detections on ${groundTruth.images.length} images\n${lines.join('\n')}\n`,
  );
  if (options.json !== undefined) {
    const file = path.resolve(io.cwd, options.json);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomically(
      file,
      `${JSON.stringify({ [options.iouType]: evaluation }, null, 2)}\n`,
    );
    io.stdout(`Wrote ${file}\n`);
  }
  return 0;
}
