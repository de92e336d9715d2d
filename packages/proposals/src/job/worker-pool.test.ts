import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSyntheticDataset } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from './manifest.js';
import { runRegionsJob, type RegionsJobOptions } from './regions-job.js';

// Worker threads run the built package (dist/job/regions-worker.js): build @ssdet/proposals first.
let root = '';
let images = '';

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ssdet-regions-workers-'));
  await writeSyntheticDataset({ out: path.join(root, 'data'), count: 5, width: 96, height: 64 });
  images = path.join(root, 'data', 'images');
  await writeFile(path.join(images, '000002b.jpg'), '');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    result.set(path.relative(dir, full), (await readFile(full)).toString('base64'));
  }
  return result;
}

describe('runRegionsJob with worker threads', () => {
  it('gives the same regions, manifest and previews with 2 workers as in-thread', async () => {
    const job = (name: string, workers: number): RegionsJobOptions => ({
      dataset: images,
      algorithm: 'selective-search',
      parameters: { preset: 'opencv-single' },
      outDir: path.join(root, `${name}-out`),
      previewDir: path.join(root, `${name}-previews`),
      seed: 11,
      workers,
    });
    const inThread = await runRegionsJob(job('in-thread', 0));
    const threaded = await runRegionsJob(job('threaded', 2));
    expect(threaded.summary.images).toMatchObject({ shard: 6, done: 5, failed: 1, processed: 5 });
    expect(threaded.summary.failed.map((f) => [f.id, f.reason])).toEqual([
      ['000002b.jpg', 'empty'],
    ]);
    const stable = async (file: string) =>
      (await readManifest(file))
        .map(({ seconds: _seconds, ...rest }) => rest)
        .sort((a, b) => a.index - b.index);
    expect(await stable(threaded.files.manifest)).toEqual(await stable(inThread.files.manifest));
    const cached = await filesUnder(threaded.files.regions);
    expect(cached.size).toBe(5);
    expect(cached).toEqual(await filesUnder(inThread.files.regions));
    const previews = await filesUnder(path.join(root, 'threaded-previews'));
    expect(previews.size).toBe(5);
    expect(previews).toEqual(await filesUnder(path.join(root, 'in-thread-previews')));
  });
});
