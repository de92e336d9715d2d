/**
 * `npm run bench -- proseco`: one ProSeCo pre-training step at DETReg's resolution — ResNet-50
 * (frozen, FrozenBN) on the strong (student) and the weak (teacher) view, two Deformable DETR
 * copies (d 256, 6 + 6 layers, FFN 1024, 4 levels, 4 points, 300 queries, feature_embed 256), the
 * student's Hungarian-matched focal 2 + L1 5 + GIoU 2 on every layer, the student ↔ teacher
 * matching and LocInfoNCE over the batch's 2400 × 2400 proposal pairs, backward, clip 0.1, AdamW
 * with the 0.1× group, then the teacher's EMA — on images of 554 × 416 with 30 Selective Search
 * boxes each, batch 8, on the best backend that can train a CNN.
 *
 * PyTorch's time for the same step comes from tools/reference/proseco/bench_proseco_torch.py (CPU
 * `ms_deform_attn_core_pytorch` path), run first in the same run when /usr/bin/python3 (or
 * SSDET_BENCH_PYTHON) has torch (SSDET_BENCH_TORCH=0 skips it); the ratio ours / PyTorch is
 * printed. Both sides run one warm-up step and report the mean of the next two.
 *
 * PROSECO_BENCH_ARCH, _WIDTH, _HEIGHT, _BATCH, _PRIORS, _QUERIES and _LAYERS shrink both sides
 * alike (e.g. resnet18, 96, 64, 2, 3, 10, 2) to check the bench starts.
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
import { plugin, prosecoConfigSchema, type ProsecoMethod } from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const ARCH = process.env['PROSECO_BENCH_ARCH'] ?? 'resnet50';
const WIDTH = fromEnv('PROSECO_BENCH_WIDTH', 554);
const HEIGHT = fromEnv('PROSECO_BENCH_HEIGHT', 416);
const BATCH = fromEnv('PROSECO_BENCH_BATCH', 8);
const PRIORS = fromEnv('PROSECO_BENCH_PRIORS', 30);
const QUERIES = fromEnv('PROSECO_BENCH_QUERIES', 300);
const LAYERS = fromEnv('PROSECO_BENCH_LAYERS', 6);

const record = new MethodStepBench();
let method: ProsecoMethod | undefined;
let optimizer: AdamWOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

/** Two same-size views per image (strong, weak) sharing PRIORS random boxes. */
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
  const view = (seed: number): BatchedView => ({
    images: tf.randomNormal([BATCH, HEIGHT, WIDTH, 3], 0, 1, 'float32', seed),
    geometry,
    boxes: tf.tensor3d(boxes, [BATCH, PRIORS, 4]),
    boxIds: tf.tensor2d(
      Int32Array.from({ length: BATCH * PRIORS }, (_, i) => i % PRIORS),
      [BATCH, PRIORS],
      'int32',
    ),
  });
  return { size: BATCH, records: [], views: { student: view(1), teacher: view(2) } };
}

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/proseco/bench_proseco_torch.py', [
      ...['--arch', ARCH, '--width', String(WIDTH), '--height', String(HEIGHT)],
      ...['--batch', String(BATCH), '--priors', String(PRIORS)],
      ...['--queries', String(QUERIES), '--layers', String(LAYERS)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
    method = createMethod(
      plugin,
      prosecoConfigSchema.parse({
        backbone: { arch: ARCH },
        backboneWeights: 'random',
        numQueries: QUERIES,
        maxPriors: PRIORS,
        transformer: { encoderLayers: LAYERS, decoderLayers: LAYERS },
        image: { scales: [Math.min(WIDTH, HEIGHT)], maxSize: Math.max(WIDTH, HEIGHT) },
      }),
      Rng.fromSeed(0),
    ) as ProsecoMethod;
    optimizer = new AdamWOptimizer([...method.parameterGroups()], { weightDecay: 1e-4 });
    batch = syntheticBatch();
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-proseco',
      `ProSeCo ${ARCH}, 2 × Deformable DETR ${LAYERS}+${LAYERS} layers, ${QUERIES} queries, batch ${BATCH} at ${WIDTH}×${HEIGHT} (strong + weak view), ${PRIORS} boxes`,
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
  record.step('ProSeCo', () => timedTrainingStep(method!, optimizer!, batch!, context, 2e-4));
  step += 1;
}

describe(`ProSeCo (${ARCH}, Deformable DETR), batch ${BATCH} at ${WIDTH}×${HEIGHT}, ${PRIORS} boxes`, () => {
  bench(
    'training step (student + teacher, loss, grads, AdamW with the 0.1× group, EMA)',
    trainingStep,
    {
      iterations: 2,
      time: 0,
      warmupTime: 0,
      warmupIterations: 1,
    },
  );
});
