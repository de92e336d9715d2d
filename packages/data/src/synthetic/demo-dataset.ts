import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeSyntheticDataset } from './write-synthetic-dataset.js';
import { defaultCacheDir } from '@ssdet/core';

/** The bundled demo data: 64 synthetic 320 × 240 scenes, seed 0. */
export const DEMO_DATASET = { count: 64, width: 320, height: 240, seed: 0 } as const;

/**
 * The COCO json of the demo dataset, generating it on first use (about a second). The
 * directory name includes every parameter, so a changed generator never reuses stale files.
 */
export async function ensureDemoDataset(cacheDir = defaultCacheDir()): Promise<string> {
  const { count, width, height, seed } = DEMO_DATASET;
  const dir = path.join(cacheDir, `synthetic-v1-n${count}-${width}x${height}-seed${seed}`);
  const annotationFile = path.join(dir, 'annotations.json');
  if (!existsSync(annotationFile))
    await writeSyntheticDataset({ out: dir, count, width, height, seed });
  return annotationFile;
}
