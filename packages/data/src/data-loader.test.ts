import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collate, disposeBatch, type HostBatch, Rng, selectBackend } from '@ssdet/core';
import { DataLoader } from './data-loader.js';
import { openDataset } from './datasets/open-dataset.js';
import { epochOrder } from './epoch-order.js';
import { writeSyntheticDataset } from './synthetic/write-synthetic-dataset.js';
import { PHOTOS } from './test-support/fixtures.js';
import { byolViews, mocoV2Views } from './views/recipes.js';
import { SpecViewGenerator } from './views/spec-view-generator.js';
import { InThreadSampleProcessor, type SampleProcessor } from './workers/sample-processor.js';
import { WorkerSampleProcessor } from './workers/worker-sample-processor.js';
import { entry as toyPluginEntry } from './test-support/toy-plugin.mjs';

/** The toy method's views (two MoCo v2 views `a`, `b`) rebuilt in worker threads from its plugin. */
function toyWorkers(datasetLocation: string, imageSize: number) {
  return {
    datasetLocation,
    decode: {},
    pluginEntries: [toyPluginEntry],
    method: { name: 'toy', config: { imageSize } },
    seed: 0,
  };
}

let dir: string;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-loader-'));
  await writeSyntheticDataset({
    out: path.join(dir, 'scenes'),
    count: 10,
    seed: 3,
    width: 80,
    height: 60,
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(loader: DataLoader, epoch: number, cursor = 0): Promise<HostBatch[]> {
  const batches: HostBatch[] = [];
  for await (const batch of loader.epoch(epoch, cursor)) batches.push(batch);
  return batches;
}

const fingerprint = (batches: readonly HostBatch[]): string[] =>
  batches.flatMap((batch) =>
    batch.views.map(
      (views) => `${views[0]!.geometry.sourceBox.join(',')}|${views[1]!.pixels[7]!.toFixed(6)}`,
    ),
  );

describe('epochOrder', () => {
  it('shuffles reproducibly per epoch and shards like DistributedSampler', () => {
    const rng = Rng.fromSeed(1);
    expect(Array.from(epochOrder(10, rng, 0))).toEqual(
      Array.from(epochOrder(10, Rng.fromSeed(1), 0)),
    );
    expect(Array.from(epochOrder(10, rng, 0))).not.toEqual(Array.from(epochOrder(10, rng, 1)));
    const shards = [0, 1, 2].map((rank) =>
      Array.from(epochOrder(10, rng, 2, { rank, worldSize: 3 })),
    );
    expect(shards.map((shard) => shard.length)).toEqual([4, 4, 4]);
    expect(new Set(shards.flat()).size).toBe(10); // 12 slots cover all 10, two wrap around
    expect(Array.from(epochOrder(4, rng, 0, { shuffle: false }))).toEqual([0, 1, 2, 3]);
  });
});

describe('DataLoader', () => {
  it('gives full batches of MoCo-v2 views whose randomness depends only on seed, epoch and image', async () => {
    const dataset = await openDataset(path.join(dir, 'scenes', 'annotations.json'));
    const views = new SpecViewGenerator(mocoV2Views(32));
    const serial = new DataLoader(dataset, views, Rng.fromSeed(9), {
      batchSize: 3,
      concurrency: 1,
    });
    const parallel = new DataLoader(dataset, views, Rng.fromSeed(9), {
      batchSize: 3,
      concurrency: 6,
    });
    const a = await collect(serial, 0);
    expect(a).toHaveLength(3); // 10 images → 3 full batches of 3
    expect(a[0]!.views[0]!.map((view) => [view.name, view.width, view.height])).toEqual([
      ['query', 32, 32],
      ['key', 32, 32],
    ]);
    expect(fingerprint(await collect(parallel, 0))).toEqual(fingerprint(a));
    expect(fingerprint(await collect(serial, 1))).not.toEqual(fingerprint(a));
  });

  it('worker threads produce exactly the views of the in-thread pipeline', async () => {
    const location = path.join(dir, 'scenes', 'annotations.json');
    const dataset = await openDataset(location);
    const specs = mocoV2Views(24, ['a', 'b']);
    const inThread = new DataLoader(dataset, new SpecViewGenerator(specs), Rng.fromSeed(5), {
      batchSize: 4,
    });
    const processor = new WorkerSampleProcessor(toyWorkers(location, 24), 2);
    const threaded = new DataLoader(dataset, new SpecViewGenerator(specs), Rng.fromSeed(5), {
      batchSize: 4,
      processor,
    });
    try {
      const expected = await collect(inThread, 0);
      const actual = await collect(threaded, 0);
      expect(fingerprint(actual)).toEqual(fingerprint(expected));
      expect(Array.from(actual[1]!.views[2]![1]!.pixels)).toEqual(
        Array.from(expected[1]!.views[2]![1]!.pixels),
      );
    } finally {
      await threaded.close();
    }
  });

  it('closing worker threads lets the samples in flight finish first', async () => {
    const location = path.join(dir, 'scenes', 'annotations.json');
    const processor = new WorkerSampleProcessor(toyWorkers(location, 24), 2);
    const rng = Rng.fromSeed(3);
    const inFlight = [0, 1, 2, 3].map((index) => processor.process(index, rng.fork(`s${index}`)));
    await processor.close();
    // Terminated at once, the threads would leave these unsettled for ever.
    const settled = await Promise.race([
      Promise.allSettled(inFlight),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 1000)),
    ]);
    expect(settled).not.toBe('hung');
    const outcomes = settled as PromiseSettledResult<{ views: unknown[] }>[];
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  });

  it('a method the worker threads cannot build fails the epoch with the reason, never hangs', async () => {
    const location = path.join(dir, 'scenes', 'annotations.json');
    const dataset = await openDataset(location);
    const processor = new WorkerSampleProcessor(
      {
        ...toyWorkers(location, 8),
        method: { name: 'toy', config: { imageSize: 8 } },
        pluginEntries: [],
      },
      1,
    );
    const loader = new DataLoader(dataset, new SpecViewGenerator(mocoV2Views(8)), Rng.fromSeed(5), {
      batchSize: 2,
      processor,
    });
    try {
      await expect(collect(loader, 0)).rejects.toThrow(/No plugin provides the method "toy"/);
    } finally {
      await loader.close();
    }
  });

  it('a dataset the worker threads cannot open fails the epoch with the reason, never hangs', async () => {
    const dataset = await openDataset(path.join(dir, 'scenes', 'annotations.json'));
    const processor = new WorkerSampleProcessor(toyWorkers(path.join(dir, 'gone.json'), 8), 1);
    const loader = new DataLoader(dataset, new SpecViewGenerator(mocoV2Views(8)), Rng.fromSeed(5), {
      batchSize: 2,
      processor,
    });
    try {
      await expect(collect(loader, 0)).rejects.toThrow(
        /--data .*gone\.json: no such file or directory/,
      );
    } finally {
      await loader.close();
    }
  });

  it("starts the next epoch's first samples before the last batch of an epoch is handed out, with the same batches", async () => {
    const dataset = await openDataset(path.join(dir, 'scenes', 'annotations.json'));
    const views = new SpecViewGenerator(mocoV2Views(16));
    const inner = new InThreadSampleProcessor(dataset, views);
    const requested: number[] = [];
    const recording: SampleProcessor = {
      process: (index, rng) => {
        requested.push(index);
        return inner.process(index, rng);
      },
      close: () => inner.close(),
    };
    const options = { batchSize: 2, concurrency: 4 };
    const loader = new DataLoader(dataset, views, Rng.fromSeed(4), {
      ...options,
      processor: recording,
    });
    const order0 = Array.from(epochOrder(dataset.size, Rng.fromSeed(4), 0));
    const order1 = Array.from(epochOrder(dataset.size, Rng.fromSeed(4), 1));
    const epoch0: HostBatch[] = [];
    let requestedAtLastBatch: number[] = [];
    for await (const batch of loader.epoch(0)) {
      epoch0.push(batch);
      if (epoch0.length === 5) requestedAtLastBatch = [...requested];
    }
    expect(epoch0).toHaveLength(5); // 10 images, batches of 2
    // When the last batch of epoch 0 is handed out, epoch 1's first samples are already started.
    expect(requestedAtLastBatch.slice(0, 10)).toEqual(order0);
    expect(requestedAtLastBatch.slice(10)).toEqual(order1.slice(0, 4));
    const epoch1 = await collect(loader, 1);
    // Each image of epoch 1 processed once; and epoch 2's first four are under way in turn.
    expect(requested.slice(10, 20)).toEqual(order1);
    expect(requested).toHaveLength(24);
    // The same batches as a loader that never looks ahead into the next epoch.
    const fresh = new DataLoader(dataset, views, Rng.fromSeed(4), options);
    expect(fingerprint(epoch1)).toEqual(fingerprint(await collect(fresh, 1)));
    expect(fingerprint(epoch0)).toEqual(fingerprint(await collect(fresh, 0)));
  });

  it('resumes mid-epoch from a cursor with the same batches', async () => {
    const dataset = await openDataset(path.join(dir, 'scenes', 'annotations.json'));
    const loader = new DataLoader(dataset, new SpecViewGenerator(byolViews(24)), Rng.fromSeed(2), {
      batchSize: 2,
    });
    const full = await collect(loader, 0);
    const resumed = await collect(loader, 0, full[1]!.cursor);
    expect(resumed.map((batch) => batch.index)).toEqual([2, 3, 4]);
    expect(fingerprint(resumed)).toEqual(fingerprint(full.slice(2)));
  });

  it("skips bad images with onBadImage 'skip' and lists them; stops on them otherwise", async () => {
    const folder = path.join(dir, 'mixed');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    for (const name of ['a', 'c', 'd'])
      await copyFile(path.join(PHOTOS, 'chelsea.jpg'), path.join(folder, `${name}.jpg`));
    await writeFile(path.join(folder, 'b.jpg'), Buffer.alloc(0));
    const dataset = await openDataset(folder);
    const views = new SpecViewGenerator(mocoV2Views(16));
    const skipping = new DataLoader(dataset, views, Rng.fromSeed(0), {
      batchSize: 3,
      onBadImage: 'skip',
      shuffle: false,
    });
    const batches = await collect(skipping, 0);
    expect(batches.map((batch) => batch.records.map((record) => record.id))).toEqual([
      ['a.jpg', 'c.jpg', 'd.jpg'],
    ]);
    expect(skipping.skippedImages()).toEqual([
      { file: path.join(folder, 'b.jpg'), reason: 'the file is empty (0 bytes)' },
    ]);
    // Met again in the next epochs, a bad image is still listed once.
    await collect(skipping, 1);
    await collect(skipping, 2);
    expect(skipping.skippedImages()).toHaveLength(1);
    const strict = new DataLoader(dataset, views, Rng.fromSeed(0), {
      batchSize: 3,
      shuffle: false,
    });
    await expect(collect(strict, 0)).rejects.toThrow(
      /Cannot use image .*b\.jpg: the file is empty/,
    );
  });

  it('warns once about each image too small to give real views', async () => {
    const folder = path.join(dir, 'tiny');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    const sharp = (await import('sharp')).default;
    const pixel = { create: { width: 1, height: 1, channels: 3 as const, background: '#f00' } };
    await sharp(pixel).png().toFile(path.join(folder, 'dot.png'));
    await copyFile(path.join(PHOTOS, 'chelsea.jpg'), path.join(folder, 'cat.jpg'));
    const warnings: string[] = [];
    const loader = new DataLoader(
      await openDataset(folder),
      new SpecViewGenerator(mocoV2Views(16)),
      Rng.fromSeed(0),
      { batchSize: 2, shuffle: false, warn: (message) => warnings.push(message) },
    );
    await collect(loader, 0);
    await collect(loader, 1);
    expect(warnings).toEqual([
      `${path.join(folder, 'dot.png')} is only 1 × 1 pixels: its views are upsampled from almost nothing (images should be at least 32 px on a side).`,
    ]);
  });

  it('collates views, boxes and masks into tensors without leaking', async () => {
    const dataset = await openDataset(path.join(dir, 'scenes', 'annotations.json'));
    const loader = new DataLoader(
      dataset,
      new SpecViewGenerator(mocoV2Views(20), { groundTruth: true }),
      Rng.fromSeed(4),
      { batchSize: 2 },
    );
    const [host] = await collect(loader, 0);
    const before = tf.memory().numTensors;
    const batch = collate(host!, ['query', 'key']);
    const query = batch.views['query']!;
    expect(query.images.shape).toEqual([2, 20, 20, 3]);
    expect(query.boxes!.shape[0]).toBe(2);
    expect(query.boxes!.shape[2]).toBe(4);
    expect(query.masks!.shape).toEqual([2, 20, 20]);
    const ids = (await query.boxIds!.array()) as number[][];
    host!.views.forEach((views, i) => {
      const kept = views[0]!.boxIds!.length;
      expect(ids[i]!.slice(0, kept)).toEqual(Array.from(views[0]!.boxIds!));
      expect(ids[i]!.slice(kept).every((id) => id === -1)).toBe(true);
    });
    disposeBatch(batch);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('DataLoader batchShard (data-parallel ranks)', () => {
  it('gives each rank a contiguous part of every global batch, the same views as one process, global cursors', async () => {
    const dataset = await openDataset(path.join(dir, 'scenes', 'annotations.json'));
    const views = new SpecViewGenerator(mocoV2Views(32));
    const loader = (batchShard?: { rank: number; size: number }) =>
      new DataLoader(dataset, views, Rng.fromSeed(5), {
        batchSize: 4,
        concurrency: 3,
        ...(batchShard === undefined ? {} : { batchShard }),
      });
    const single = await collect(loader(), 1);
    const ranks = await Promise.all([0, 1].map((rank) => collect(loader({ rank, size: 2 }), 1)));
    expect(single.map((batch) => batch.records.length)).toEqual([4, 4]); // 10 images: 2 full batches
    for (const rank of ranks) expect(rank.map((batch) => batch.records.length)).toEqual([2, 2]);
    for (const [index, batch] of single.entries()) {
      const ids = batch.records.map((record) => record.id);
      expect(ranks[0]![index]!.records.map((record) => record.id)).toEqual(ids.slice(0, 2));
      expect(ranks[1]![index]!.records.map((record) => record.id)).toEqual(ids.slice(2, 4));
      expect([...fingerprint([ranks[0]![index]!]), ...fingerprint([ranks[1]![index]!])]).toEqual(
        fingerprint([batch]),
      );
      // Cursors are global positions, equal on every rank and to the single process's.
      expect(ranks.map((rank) => rank[index]!.cursor)).toEqual([batch.cursor, batch.cursor]);
      expect(ranks.map((rank) => rank[index]!.index)).toEqual([batch.index, batch.index]);
    }
    // Resuming at a global cursor continues with the same shard.
    const resumed = await collect(loader({ rank: 1, size: 2 }), 1, single[0]!.cursor);
    expect(resumed.map((batch) => batch.records.map((record) => record.id))).toEqual([
      ranks[1]![1]!.records.map((record) => record.id),
    ]);
    expect(loader({ rank: 1, size: 2 }).batchesPerEpoch).toBe(loader().batchesPerEpoch);
    expect(() => loader({ rank: 0, size: 3 })).toThrow(/divisible by size/);
    expect(() => loader({ rank: 2, size: 2 })).toThrow(/0 ≤ rank < size/);
  });
});
