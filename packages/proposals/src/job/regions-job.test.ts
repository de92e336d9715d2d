import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EventBus, type SsdetEvent } from '@ssdet/core';
import { openDataset, writeSyntheticDataset } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntry, RegionCache } from '../cache/region-cache.js';
import { FelzenszwalbSource } from '../sources/region-sources.js';
import { imageRng } from './image-processor.js';
import { readManifest, type ManifestEntry } from './manifest.js';
import { regionsJobFiles, runRegionsJob } from './regions-job.js';
import type { RegionsJobSummary } from './job-summary.js';

const FH = { minSize: 50, scale: 100 } as const;
let root = '';
let images = '';

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ssdet-regions-job-'));
  await writeSyntheticDataset({
    out: path.join(root, 'synthetic'),
    count: 5,
    width: 96,
    height: 64,
  });
  images = path.join(root, 'synthetic', 'images');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let outCount = 0;
function freshOut(): string {
  return path.join(root, `out-${outCount++}`);
}

/** Manifest lines without the timing, ordered by image: what must not depend on how the job ran. */
function stable(entries: readonly ManifestEntry[]): Omit<ManifestEntry, 'seconds'>[] {
  return [...entries]
    .sort((a, b) => a.index - b.index)
    .map(({ seconds: _seconds, ...rest }) => rest);
}

async function cacheFiles(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const prefix of await readdir(dir)) {
    for (const name of await readdir(path.join(dir, prefix)))
      result.set(name, (await readFile(path.join(dir, prefix, name))).toString('base64'));
  }
  return result;
}

function withoutTiming(summary: RegionsJobSummary): unknown {
  const { wallSeconds: _w, secondsPerImage: _s, images, ...rest } = summary;
  const { resumed: _r, processed: _p, cacheHits: _c, ...counts } = images;
  return { ...rest, images: counts };
}

describe('runRegionsJob', () => {
  it('writes a cache entry per image, a manifest line per image and a summary', async () => {
    const out = freshOut();
    const bus = new EventBus();
    const events: SsdetEvent[] = [];
    bus.subscribe((event) => events.push(event));
    const { summary, files } = await runRegionsJob({
      dataset: images,
      algorithm: 'fh',
      parameters: FH,
      outDir: out,
      bus,
      progressIntervalSeconds: 0,
    });
    expect(summary.complete).toBe(true);
    expect(summary.images).toMatchObject({
      shard: 5,
      done: 5,
      failed: 0,
      remaining: 0,
      processed: 5,
    });
    expect(summary.parameters).toEqual(new FelzenszwalbSource(FH).parameters);

    const entries = await readManifest(files.manifest);
    expect(entries.map((e) => e.id).sort()).toEqual(
      ['000000', '000001', '000002', '000003', '000004'].map((n) => `${n}.jpg`),
    );
    // Each entry holds exactly what the source computes on that image.
    const dataset = await openDataset(images);
    const source = new FelzenszwalbSource(FH);
    for (const entry of entries) {
      const { image } = await dataset.load(entry.index);
      const expected = await source.propose(image);
      const bytes = await readFile(path.join(out, entry.entry));
      expect(bytes.length).toBe(entry.bytes);
      const lookup = decodeEntry(bytes, entry.key);
      expect(lookup.status).toBe('hit');
      if (lookup.status !== 'hit') continue;
      expect(Array.from(lookup.regions.boxes)).toEqual(Array.from(expected.boxes));
      expect(Array.from(lookup.regions.mask!.labels)).toEqual(Array.from(expected.mask!.labels));
      expect(entry.regions).toBe(expected.boxes.length / 4);
      // …and it is where a training run's cache looks.
      expect((await new RegionCache(files.regions).get(image, source)).status).toBe('hit');
    }
    const counts = entries.map((e) => e.regions);
    expect(summary.regionsPerImage).toEqual({
      mean: counts.reduce((a, b) => a + b, 0) / counts.length,
      min: Math.min(...counts),
      max: Math.max(...counts),
    });
    const written = JSON.parse(await readFile(files.summary, 'utf8')) as RegionsJobSummary;
    expect(written).toEqual(summary);

    const progress = events.flatMap((e) =>
      e.type === 'log' && e.scope === 'proposals.regions' ? [e.message] : [],
    );
    expect(progress.some((m) => /^regions: 5\/5 images, [\d.]+ s\/image, ETA 0s$/.test(m))).toBe(
      true,
    );
  });

  it('after a stop, resumes with only the rest and ends equal to a straight run', async () => {
    const straight = await runRegionsJob({
      dataset: images,
      algorithm: 'selective-search',
      parameters: { preset: 'opencv-single' },
      outDir: freshOut(),
      seed: 3,
    });
    const out = freshOut();
    const first = await runRegionsJob({
      dataset: images,
      algorithm: 'selective-search',
      parameters: { preset: 'opencv-single' },
      outDir: out,
      seed: 3,
      stopAfter: 2,
    });
    expect(first.summary.complete).toBe(false);
    expect(first.summary.images).toMatchObject({ done: 2, remaining: 3 });
    expect(await readManifest(first.files.manifest)).toHaveLength(2);

    const resumed = await runRegionsJob({
      dataset: images,
      algorithm: 'selective-search',
      parameters: { preset: 'opencv-single' },
      outDir: out,
      seed: 3,
    });
    expect(resumed.summary.images).toMatchObject({ resumed: 2, processed: 3, cacheHits: 0 });
    expect(stable(await readManifest(resumed.files.manifest))).toEqual(
      stable(await readManifest(straight.files.manifest)),
    );
    expect(await cacheFiles(resumed.files.regions)).toEqual(
      await cacheFiles(straight.files.regions),
    );
    expect(withoutTiming(resumed.summary)).toEqual(withoutTiming(straight.summary));
  });

  it('recomputes images whose manifest line or cache entry is damaged, never trusting them', async () => {
    const out = freshOut();
    const run = () =>
      runRegionsJob({ dataset: images, algorithm: 'fh', parameters: FH, outDir: out });
    const { files } = await run();
    const entries = await readManifest(files.manifest);
    const damaged = entries[1]!;
    // A cache entry cut short and a manifest line cut short by a kill.
    await truncate(path.join(out, damaged.entry), damaged.bytes - 7);
    const text = await readFile(files.manifest, 'utf8');
    const lines = text.trimEnd().split('\n');
    const lastId = (JSON.parse(lines.at(-1)!) as ManifestEntry).id;
    await writeFile(
      files.manifest,
      `${lines.slice(0, -1).join('\n')}\n${lines.at(-1)!.slice(0, 30)}`,
    );

    const again = await run();
    expect(again.summary.images).toMatchObject({ resumed: 3, processed: 2, corruptRecomputed: 1 });
    const after = await readManifest(files.manifest);
    expect(stable(after)).toEqual(stable(entries));
    expect(after.map((e) => e.id)).toContain(lastId);
    // The rewritten manifest is clean JSON lines again.
    for (const line of (await readFile(files.manifest, 'utf8')).trimEnd().split('\n'))
      expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('refuses to resume into a directory of a job with other settings', async () => {
    const out = freshOut();
    await runRegionsJob({ dataset: images, algorithm: 'random', outDir: out, stopAfter: 1 });
    await expect(
      runRegionsJob({ dataset: images, algorithm: 'random', outDir: out, seed: 1 }),
    ).rejects.toMatchObject({ code: 'REGIONS_OTHER_JOB' });
    const restarted = await runRegionsJob({
      dataset: images,
      algorithm: 'random',
      outDir: out,
      seed: 1,
      resume: false,
    });
    expect(restarted.summary.images).toMatchObject({ resumed: 0, processed: 5 });
  });

  it('shards i/n partition the dataset; together they equal the unsharded job', async () => {
    const whole = await runRegionsJob({ dataset: images, algorithm: 'random', outDir: freshOut() });
    const out = freshOut();
    const parts = [];
    for (const index of [0, 1]) {
      parts.push(
        await runRegionsJob({
          dataset: images,
          algorithm: 'random',
          outDir: out,
          shard: { index, count: 2 },
        }),
      );
    }
    expect(parts.map((p) => path.basename(p.files.manifest))).toEqual([
      'manifest-0-of-2.jsonl',
      'manifest-1-of-2.jsonl',
    ]);
    const [a, b] = await Promise.all(parts.map((p) => readManifest(p.files.manifest)));
    expect(a!.map((e) => e.index).sort()).toEqual([0, 2, 4]);
    expect(b!.map((e) => e.index).sort()).toEqual([1, 3]);
    expect(stable([...a!, ...b!])).toEqual(stable(await readManifest(whole.files.manifest)));
    expect(parts[1]!.summary.shard).toEqual({ index: 1, count: 2 });
  });

  it('lists an unreadable image by name and goes on', async () => {
    const folder = path.join(root, 'with-bad');
    await writeSyntheticDataset({ out: folder, count: 2, width: 96, height: 64 });
    const bad = path.join(folder, 'images', '000001b.jpg');
    await writeFile(bad, '');
    const bus = new EventBus();
    const warnings: string[] = [];
    bus.subscribe((e) => {
      if (e.type === 'log' && e.level === 'warn') warnings.push(e.message);
    });
    const { summary } = await runRegionsJob({
      dataset: path.join(folder, 'images'),
      algorithm: 'random',
      outDir: freshOut(),
      bus,
    });
    expect(summary.complete).toBe(true);
    expect(summary.images).toMatchObject({ shard: 3, done: 2, failed: 1 });
    expect(summary.failed).toEqual([
      { id: '000001b.jpg', file: bad, reason: 'empty', message: expect.stringContaining(bad) },
    ]);
    expect(warnings).toEqual([expect.stringContaining(bad)]);
  });

  it('writes previews for the first 16 images only', async () => {
    const folder = path.join(root, 'many');
    await writeSyntheticDataset({ out: folder, count: 18, width: 48, height: 32 });
    const previews = path.join(root, 'previews');
    await runRegionsJob({
      dataset: path.join(folder, 'images'),
      algorithm: 'random',
      outDir: freshOut(),
      previewDir: previews,
    });
    const written = (await readdir(previews)).sort();
    expect(written).toHaveLength(16);
    expect(written[0]).toBe('000000-000000.jpg.png');
    expect(written.at(-1)).toBe('000015-000015.jpg.png');
    const metadata = await sharp(path.join(previews, written[0]!)).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 48, 32]);
  });

  it('draws the regions per image from the seed and the image id only', () => {
    const a = imageRng(7, 'x.jpg').nextUint32();
    expect(imageRng(7, 'x.jpg').nextUint32()).toBe(a);
    expect(imageRng(7, 'y.jpg').nextUint32()).not.toBe(a);
    expect(imageRng(8, 'x.jpg').nextUint32()).not.toBe(a);
  });

  it('rejects a Dataset object with worker threads, and bad options', async () => {
    const dataset = await openDataset(images);
    await expect(
      runRegionsJob({ dataset, algorithm: 'fh', outDir: freshOut(), workers: 2 }),
    ).rejects.toMatchObject({ code: 'REGIONS_BAD_OPTION' });
    await expect(
      runRegionsJob({ dataset, algorithm: 'fh', outDir: freshOut(), parameters: { k: 1 } }),
    ).rejects.toMatchObject({ code: 'PROPOSALS_BAD_PARAMETER' });
    await expect(
      runRegionsJob({
        dataset,
        algorithm: 'fh',
        outDir: freshOut(),
        shard: { index: 2, count: 2 },
      }),
    ).rejects.toMatchObject({ code: 'REGIONS_BAD_SHARD' });
    expect(regionsJobFiles('/x').manifest).toBe(path.resolve('/x/manifest.jsonl'));
  });
});
