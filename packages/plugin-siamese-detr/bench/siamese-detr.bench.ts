/**
 * `npm run bench -- siamese-detr`: one Siamese DETR pre-training step at the paper's resolution —
 * ResNet-50 (frozen, FrozenBN) on both views and on the 2·M region crops (128²) of every image;
 * RoIAlign region queries (C5, or C3–C5 for Deformable); the transformer twice (A's queries on
 * B's memory and back); class / box / feature_align heads on every decoder layer; the
 * Hungarian-matched loss per direction (CE 1, L1 5, GIoU 2, region discrimination 3) averaged,
 * plus the global discrimination head (×10); backward, clip 0.1, AdamW — on two views of 480 × 360
 * (the outer crop of a middle-scale image: shorter side 416, area ~0.75) with 10 regions each,
 * batch 8, on the best backend that can train a CNN. Vanilla DETR (100 queries) by default;
 * SIAMESE_DETR_BENCH_DETECTOR=deformable-detr times the multi-scale Deformable variant (set
 * SIAMESE_DETR_BENCH_QUERIES=300 for the paper's).
 *
 * PyTorch's time for the same step comes from
 * tools/reference/siamese-detr/bench_siamese_detr_torch.py, run first in the same run when
 * /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch (SSDET_BENCH_TORCH=0 skips it); the ratio
 * ours / PyTorch is printed. Both sides run one warm-up step and report the mean of the next two.
 *
 * SIAMESE_DETR_BENCH_ARCH, _WIDTH, _HEIGHT, _BATCH, _PATCHES, _CROP, _QUERIES and _LAYERS shrink
 * both sides alike (e.g. resnet18, 96, 64, 2, 5, 32, 10, 2) to check the bench starts.
 */
import {
  AdamWOptimizer,
  CNN_TRAINING_KERNELS,
  Rng,
  createMethod,
  selectBackend,
  type Batch,
  type BatchedView,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MethodStepBench, torchStep } from '../../../tools/bench/method-step-bench.js';
import { timedTrainingStep } from '../../../tools/bench/timed-training-step.js';
import {
  CROPS_A,
  CROPS_B,
  VIEW_A,
  VIEW_B,
  plugin,
  siameseDetrConfigSchema,
  type SiameseDetrMethod,
} from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const DETECTOR =
  process.env['SIAMESE_DETR_BENCH_DETECTOR'] === 'deformable-detr' ? 'deformable-detr' : 'detr';
const ARCH = process.env['SIAMESE_DETR_BENCH_ARCH'] ?? 'resnet50';
const WIDTH = fromEnv('SIAMESE_DETR_BENCH_WIDTH', 480);
const HEIGHT = fromEnv('SIAMESE_DETR_BENCH_HEIGHT', 360);
const BATCH = fromEnv('SIAMESE_DETR_BENCH_BATCH', 8);
const PATCHES = fromEnv('SIAMESE_DETR_BENCH_PATCHES', 10);
const CROP = fromEnv('SIAMESE_DETR_BENCH_CROP', 128);
const QUERIES = fromEnv('SIAMESE_DETR_BENCH_QUERIES', 100);
const LAYERS = fromEnv('SIAMESE_DETR_BENCH_LAYERS', 6);

const record = new MethodStepBench();
let method: SiameseDetrMethod | undefined;
let optimizer: AdamWOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

/** Two same-size views with PATCHES random boxes each (ids 0 … M−1) and the crop strips. */
function syntheticBatch(): Batch {
  const rng = Rng.fromSeed(0);
  const view = (seed: number): BatchedView => {
    const boxes = new Float32Array(BATCH * PATCHES * 4);
    for (let i = 0; i < BATCH * PATCHES; i++) {
      const w = rng.uniform(0.05, 0.4) * WIDTH;
      const h = rng.uniform(0.05, 0.4) * HEIGHT;
      const x = rng.uniform(0, WIDTH - w);
      const y = rng.uniform(0, HEIGHT - h);
      boxes.set([x, y, x + w, y + h], i * 4);
    }
    return {
      images: tf.randomNormal([BATCH, HEIGHT, WIDTH, 3], 0, 1, 'float32', seed),
      geometry,
      boxes: tf.tensor3d(boxes, [BATCH, PATCHES, 4]),
      boxIds: tf.tensor2d(
        Int32Array.from({ length: BATCH * PATCHES }, (_, i) => i % PATCHES),
        [BATCH, PATCHES],
        'int32',
      ),
    };
  };
  const geometry = Array.from({ length: BATCH }, () => ({
    sourceBox: [0, 0, WIDTH, HEIGHT] as [number, number, number, number],
    flipped: false,
    width: WIDTH,
    height: HEIGHT,
  }));
  const crops = (seed: number): BatchedView => ({
    images: tf.randomNormal([BATCH, PATCHES * CROP, CROP, 3], 0, 1, 'float32', seed),
    geometry,
  });
  return {
    size: BATCH,
    records: [],
    views: { [VIEW_A]: view(1), [VIEW_B]: view(2), [CROPS_A]: crops(3), [CROPS_B]: crops(4) },
  };
}

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/siamese-detr/bench_siamese_detr_torch.py', [
      ...['--detector', DETECTOR, '--arch', ARCH, '--width', String(WIDTH)],
      ...['--height', String(HEIGHT), '--batch', String(BATCH), '--patches', String(PATCHES)],
      ...['--crop', String(CROP), '--queries', String(QUERIES), '--layers', String(LAYERS)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
    method = createMethod(
      plugin,
      siameseDetrConfigSchema.parse({
        detector: DETECTOR,
        backbone: { arch: ARCH },
        backboneWeights: 'random',
        numQueries: QUERIES,
        numPatches: PATCHES,
        crop: { size: CROP },
        transformer: { encoderLayers: LAYERS, decoderLayers: LAYERS },
        image: { scales: [Math.min(WIDTH, HEIGHT)], maxSize: Math.max(WIDTH, HEIGHT) },
        regions: { cache: false },
      }),
      Rng.fromSeed(0),
    ) as SiameseDetrMethod;
    optimizer = new AdamWOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
      weightDecay: 1e-4,
    });
    batch = syntheticBatch();
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-siamese-detr',
      `Siamese DETR ${ARCH}, ${DETECTOR} ${LAYERS}+${LAYERS} layers, ${QUERIES} queries, batch ${BATCH} × 2 views at ${WIDTH}×${HEIGHT} + ${PATCHES} regions and 2·${PATCHES} crops of ${CROP}²`,
      BATCH,
    ),
  );
  method?.dispose();
  optimizer?.dispose();
  if (batch !== undefined)
    tf.dispose(
      Object.values(batch.views).flatMap((v) =>
        [v.images, v.boxes, v.boxIds].filter((t) => t !== undefined),
      ),
    );
});

function trainingStep(): void {
  const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  record.step('Siamese DETR', () => timedTrainingStep(method!, optimizer!, batch!, context, 1e-4));
  step += 1;
}

describe(`Siamese DETR (${ARCH}, ${DETECTOR}), batch ${BATCH} × 2 views at ${WIDTH}×${HEIGHT}`, () => {
  bench('training step (both directions, crops, loss, grads, clip, AdamW)', trainingStep, {
    iterations: 2,
    time: 0,
    warmupTime: 0,
    warmupIterations: 1,
  });
});
