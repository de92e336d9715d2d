/**
 * `npm run bench -- detreg`: one DETReg pre-training step at the paper's resolution — ResNet-50
 * (frozen, FrozenBN) giving C3–C5 and the teacher's layer2 embedding of every prior crop,
 * Deformable DETR (d 256, 6 + 6 layers, FFN 1024, 4 levels, 4 points, 300 queries), class / box
 * heads on every layer and feature_embed on the last, the Hungarian-matched loss (focal 2, L1 5,
 * GIoU 2, embedding 1), backward, clip 0.1, AdamW with the 0.1× group — on images of 554 × 416
 * (a middle scale, 4:3) with 30 priors and their 128² crops each, batch 8, on the best backend that
 * can train a CNN.
 *
 * PyTorch's time for the same step comes from tools/reference/detreg/bench_detreg_torch.py (CPU
 * `ms_deform_attn_core_pytorch` path), run first in the same run when /usr/bin/python3 (or
 * SSDET_BENCH_PYTHON) has torch (SSDET_BENCH_TORCH=0 skips it); the ratio ours / PyTorch is
 * printed. Both sides run one warm-up step and report the mean of the next two.
 *
 * DETREG_BENCH_ARCH, _WIDTH, _HEIGHT, _BATCH, _PRIORS, _CROP, _QUERIES and _LAYERS shrink both
 * sides alike (e.g. resnet18, 96, 64, 1, 3, 32, 10, 2) to check the bench starts.
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
import { detregConfigSchema, plugin, type DetregMethod } from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const ARCH = process.env['DETREG_BENCH_ARCH'] ?? 'resnet50';
const WIDTH = fromEnv('DETREG_BENCH_WIDTH', 554);
const HEIGHT = fromEnv('DETREG_BENCH_HEIGHT', 416);
const BATCH = fromEnv('DETREG_BENCH_BATCH', 8);
const PRIORS = fromEnv('DETREG_BENCH_PRIORS', 30);
const CROP = fromEnv('DETREG_BENCH_CROP', 128);
const QUERIES = fromEnv('DETREG_BENCH_QUERIES', 300);
const LAYERS = fromEnv('DETREG_BENCH_LAYERS', 6);

const record = new MethodStepBench();
let method: DetregMethod | undefined;
let optimizer: AdamWOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

/** Same-size images with PRIORS random boxes each (ids = crop slots) and the crop strips. */
function syntheticBatch(): Batch {
  const rng = Rng.fromSeed(0);
  const boxes = new Float32Array(BATCH * PRIORS * 4);
  for (let i = 0; i < BATCH * PRIORS; i++) {
    const w = rng.uniform(0.05, 0.4) * WIDTH;
    const h = rng.uniform(0.05, 0.4) * HEIGHT;
    const x = rng.uniform(0, WIDTH - w);
    const y = rng.uniform(0, HEIGHT - h);
    boxes.set([x, y, x + w, y + h], i * 4);
  }
  const geometry = Array.from({ length: BATCH }, () => ({
    sourceBox: [0, 0, WIDTH, HEIGHT] as [number, number, number, number],
    flipped: false,
    width: WIDTH,
    height: HEIGHT,
  }));
  const image: BatchedView = {
    images: tf.randomNormal([BATCH, HEIGHT, WIDTH, 3], 0, 1, 'float32', 1),
    geometry,
    boxes: tf.tensor3d(boxes, [BATCH, PRIORS, 4]),
    boxIds: tf.tensor2d(
      Int32Array.from({ length: BATCH * PRIORS }, (_, i) => i % PRIORS),
      [BATCH, PRIORS],
      'int32',
    ),
  };
  const crops: BatchedView = {
    images: tf.randomNormal([BATCH, PRIORS * CROP, CROP, 3], 0, 1, 'float32', 2),
    geometry,
  };
  return { size: BATCH, records: [], views: { image, crops } };
}

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/detreg/bench_detreg_torch.py', [
      ...['--arch', ARCH, '--width', String(WIDTH), '--height', String(HEIGHT)],
      ...['--batch', String(BATCH), '--priors', String(PRIORS), '--crop', String(CROP)],
      ...['--queries', String(QUERIES), '--layers', String(LAYERS)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
    method = createMethod(
      plugin,
      detregConfigSchema.parse({
        backbone: { arch: ARCH },
        backboneWeights: 'random',
        numQueries: QUERIES,
        maxPriors: PRIORS,
        crop: { size: CROP },
        transformer: { encoderLayers: LAYERS, decoderLayers: LAYERS },
        image: { scales: [Math.min(WIDTH, HEIGHT)], maxSize: Math.max(WIDTH, HEIGHT) },
      }),
      Rng.fromSeed(0),
    ) as DetregMethod;
    optimizer = new AdamWOptimizer([...method.parameterGroups()], { weightDecay: 1e-4 });
    batch = syntheticBatch();
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-detreg',
      `DETReg ${ARCH}, Deformable DETR ${LAYERS}+${LAYERS} layers, ${QUERIES} queries, batch ${BATCH} at ${WIDTH}×${HEIGHT} + ${PRIORS} crops of ${CROP}²`,
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
  record.step('DETReg', () => timedTrainingStep(method!, optimizer!, batch!, context, 2e-4));
  step += 1;
}

describe(`DETReg (${ARCH}, Deformable DETR), batch ${BATCH} at ${WIDTH}×${HEIGHT} + ${PRIORS} crops`, () => {
  bench('training step (teacher, loss, grads, AdamW with the 0.1× group)', trainingStep, {
    iterations: 2,
    time: 0,
    warmupTime: 0,
    warmupIterations: 1,
  });
});
