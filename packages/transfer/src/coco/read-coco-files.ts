import { readFile } from 'node:fs/promises';
import { SsdetError } from '@ssdet/core';
import {
  checkGroundTruth,
  checkResults,
  type CocoGroundTruth,
  type CocoResult,
  type IouType,
} from './coco-format.js';

/** Reads a JSON file; `what` (e.g. `--gt`) names it in errors. */
export async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SsdetError(
      'COCO_FILE_UNREADABLE',
      `${what} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SsdetError(
      'COCO_FILE_NOT_JSON',
      `${what} ${file}: not JSON (${(error as Error).message}).`,
    );
  }
}

/** Reads and checks a COCO annotation file and a results list for `evaluateCoco`. */
export async function readCocoEvaluationInputs(
  groundTruthFile: string,
  resultsFile: string,
  iouType: IouType,
): Promise<{ groundTruth: CocoGroundTruth; results: CocoResult[] }> {
  const groundTruth = checkGroundTruth(await readJson(groundTruthFile, '--gt'), groundTruthFile);
  const results = checkResults(
    await readJson(resultsFile, '--dt'),
    groundTruth,
    iouType,
    resultsFile,
  );
  return { groundTruth, results };
}
