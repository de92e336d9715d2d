import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Rng,
  type DecodedImage,
  type RegionContext,
  type RegionSource,
  type Regions,
  type Sample,
  type View,
  type ViewGenerator,
} from '@ssdet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../datasets/open-dataset.js';
import { PHOTOS } from '../test-support/fixtures.js';
import { InThreadSampleProcessor } from './sample-processor.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-sample-processor-'));
  await copyFile(path.join(PHOTOS, 'chelsea.jpg'), path.join(dir, 'cat.jpg'));
  await copyFile(path.join(PHOTOS, 'chelsea.jpg'), path.join(dir, 'dog.jpg'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Views that only record the regions they were given. */
class RegionsProbe implements ViewGenerator {
  readonly viewNames = [] as const;
  readonly needsRegions = true;
  readonly seen: (Regions | undefined)[] = [];
  generate(_sample: Sample, regions: Regions | undefined): View[] {
    this.seen.push(regions);
    return [];
  }
}

/** A source whose single box encodes the length of the file name it was told about. */
class RecordingSource implements RegionSource {
  readonly algorithm = 'recording';
  readonly parameters = {};
  readonly contexts: (RegionContext | undefined)[] = [];
  async propose(image: DecodedImage, _rng: Rng, context?: RegionContext): Promise<Regions> {
    this.contexts.push(context);
    const length = context?.record?.path.length ?? 0;
    return { boxes: Float32Array.of(0, 0, image.width, length) };
  }
}

/** Written against the two-parameter contract, before the context existed. */
class LegacySource implements RegionSource {
  readonly algorithm = 'legacy';
  readonly parameters = {};
  async propose(image: DecodedImage, rng: Rng): Promise<Regions> {
    const x = rng.int(0, image.width - 1);
    return { boxes: Float32Array.of(x, 0, x + 1, 1) };
  }
}

describe('InThreadSampleProcessor', () => {
  it("hands the region source the sample's dataset record", async () => {
    const dataset = await openDataset(dir);
    const views = new RegionsProbe();
    const source = new RecordingSource();
    const processor = new InThreadSampleProcessor(dataset, views, source);
    for (let index = 0; index < dataset.size; index++) {
      await processor.process(index, Rng.fromSeed(index));
    }
    expect(source.contexts.map((context) => context?.record)).toEqual([
      dataset.record(0),
      dataset.record(1),
    ]);
    expect(source.contexts.map((context) => path.basename(context!.record!.path))).toEqual([
      'cat.jpg',
      'dog.jpg',
    ]);
    // What the source made of the record reached the views.
    expect(views.seen.map((regions) => regions!.boxes[3])).toEqual([
      dataset.record(0).path.length,
      dataset.record(1).path.length,
    ]);
  });

  it('still runs sources that take only the image and the rng', async () => {
    const dataset = await openDataset(dir);
    const views = new RegionsProbe();
    const processor = new InThreadSampleProcessor(dataset, views, new LegacySource());
    await processor.process(0, Rng.fromSeed(3));
    expect(views.seen).toHaveLength(1);
    expect(views.seen[0]!.boxes.length).toBe(4);
  });
});
