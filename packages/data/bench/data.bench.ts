import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { entry as toyPluginEntry } from '../src/test-support/toy-plugin.mjs';
import { Rng, type Dataset } from '@ssdet/core';
import {
  DataLoader,
  decodeImage,
  gaussianBlur,
  mocoV2Views,
  openDataset,
  pilGaussianBlur,
  SpecViewGenerator,
  useNativeJpegDecoder,
  WorkerSampleProcessor,
  writeSyntheticDataset,
} from '../src/index.js';

/**
 * `npm run bench -- data`: augmented MoCo-v2 views per second at 224 px from 640 × 480 JPEGs
 * (decode with the native libjpeg-turbo decoder when built, else sharp, `SSDET_DATA_NATIVE_JPEG=0`
 * for sharp alone; RandomResizedCrop + antialiased resize, jitter, grayscale, blur, flip,
 * normalise), through the DataLoader, and the process's peak resident memory.
 * One iteration = one pass over 64 images = 128 views.
 */
const IMAGES = 64;
let dataset: Dataset | undefined;
let location = '';
let imageDir = '';
let epoch = 0;
let peakRss = 0;

async function prepare(): Promise<Dataset> {
  if (dataset !== undefined) return dataset;
  const dir = await mkdtemp(path.join(tmpdir(), 'ssdet-bench-data-'));
  imageDir = dir;
  const { annotationFile } = await writeSyntheticDataset({
    out: dir,
    count: IMAGES,
    width: 640,
    height: 480,
    seed: 1,
  });
  location = annotationFile;
  dataset = await openDataset(annotationFile);
  return dataset;
}

/**
 * One op: `epochs` passes over the images. Worker threads start once per op, as once per training
 * run; several epochs per op amortise their start-up (about a second: each loads tfjs).
 */
async function passes(concurrency: number, threads: number, epochs: number): Promise<void> {
  // The toy method's views: two MoCo v2 views at 224, rebuilt in the workers from its plugin.
  const specs = mocoV2Views(224, ['a', 'b']);
  const data = await prepare();
  const processor =
    threads > 0
      ? new WorkerSampleProcessor(
          {
            datasetLocation: location,
            decode: {},
            pluginEntries: [toyPluginEntry],
            method: { name: 'toy', config: { imageSize: 224 } },
            seed: 0,
          },
          threads,
        )
      : undefined;
  const loader = new DataLoader(data, new SpecViewGenerator(specs), Rng.fromSeed(0), {
    batchSize: 32,
    concurrency,
    ...(processor === undefined ? {} : { processor }),
  });
  try {
    for (let e = 0; e < epochs; e++) {
      for await (const batch of loader.epoch(epoch++)) {
        if (batch.views.length !== 32) throw new Error('short batch');
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    }
  } finally {
    await loader.close();
  }
}

/**
 * A loader whose 2 worker threads are started and warmed (one epoch) before anything is timed, as
 * in a training run past its first steps: the rate the trainer sees in steady state.
 */
let warmLoader: DataLoader | undefined;
async function warmWorkers(): Promise<DataLoader> {
  if (warmLoader !== undefined) return warmLoader;
  const data = await prepare();
  const processor = new WorkerSampleProcessor(
    {
      datasetLocation: location,
      decode: {},
      pluginEntries: [toyPluginEntry],
      method: { name: 'toy', config: { imageSize: 224 } },
      seed: 0,
    },
    2,
  );
  warmLoader = new DataLoader(
    data,
    new SpecViewGenerator(mocoV2Views(224, ['a', 'b'])),
    Rng.fromSeed(0),
    {
      batchSize: 32,
      concurrency: 16,
      processor,
    },
  );
  await steadyEpoch(warmLoader);
  return warmLoader;
}

async function steadyEpoch(loader: DataLoader): Promise<void> {
  for await (const batch of loader.epoch(epoch++)) {
    if (batch.views.length !== 32) throw new Error('short batch');
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
}

afterAll(async () => {
  await warmLoader?.close();
});

describe('MoCo-v2 views at 224 px from 640×480 JPEGs', () => {
  const options = {
    iterations: 3,
    time: 0,
    warmupIterations: 1,
    setup: async () => {
      await prepare();
    },
    teardown: () => {
      process.stdout.write(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB\n`);
    },
  };
  bench(`main thread (1 op = ${IMAGES * 2} views)`, () => passes(8, 0, 1), options);
  bench(`2 worker threads (1 op = ${IMAGES * 6} views)`, () => passes(16, 2, 3), options);
  // The threads stay up between ops; afterAll stops them.
  bench(
    `2 worker threads, steady state (1 op = ${IMAGES * 2} views, threads started and warmed first)`,
    async () => steadyEpoch(await warmWorkers()),
    { ...options, iterations: 5, setup: async () => void (await warmWorkers()) },
  );
});

/**
 * `npm run bench -- data -t blur`: one Gaussian blur of a 224 px view at σ = 0.5, 1 and 2 (views
 * draw σ ~ U(0.1, 2)): torchvision's sampled 23-tap kernel on floats (it skips taps below 1e-9,
 * so it is cheaper at small σ) against Pillow's three extended boxes on 8 bits (the same cost
 * for every σ, including rounding to 8 bits and back).
 */
describe('Gaussian blur of one 224 px view', () => {
  const side = 224;
  const data = new Float32Array(side * side * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000;
  const image = { width: side, height: side, data };
  for (const sigma of [0.5, 1, 2]) {
    bench(`torchvision kernel 23, σ ${sigma}`, () => void gaussianBlur(image, 23, sigma));
    bench(`pil boxes, σ ${sigma}`, () => void pilGaussianBlur(image, sigma));
  }
});

/**
 * `npm run bench -- data -t decode`: `decodeImage` of the 64 bench JPEGs (640 × 480, 4:2:0) in
 * turn, one at a time on the main thread, with sharp alone and with the native libjpeg-turbo
 * decoder first (the same bytes). Per image: the op's time / 64.
 */
describe('decode the 64 bench JPEGs one at a time', () => {
  let files: string[] = [];
  const options = {
    iterations: 10,
    time: 0,
    warmupIterations: 2,
    setup: async () => {
      await prepare();
      files = await jpegFiles(imageDir);
      if (files.length !== IMAGES) throw new Error(`expected ${IMAGES} JPEGs in ${imageDir}`);
    },
  };
  const decodeAll = async () => {
    for (const file of files) await decodeImage(file);
  };
  bench(
    'sharp',
    async () => {
      useNativeJpegDecoder(false);
      await decodeAll();
    },
    options,
  );
  bench(
    'native libjpeg-turbo',
    async () => {
      if (!useNativeJpegDecoder(true)) throw new Error('the native JPEG decoder is not built');
      await decodeAll();
    },
    options,
  );
});

async function jpegFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.jpe?g$/i.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}
