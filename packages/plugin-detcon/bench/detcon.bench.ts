/**
 * `npm run bench -- detcon`: one DetCon-B training step at the paper's resolution — ResNet-50 on
 * two 224 × 224 views, batch 8, 16 masks per view from a 7 × 7 grid, projector and predictor
 * 4096 → 256: the online and the target network on both views, the loss, its gradients, a LARS
 * update (lr 0.2 × 8 / 256, the official settings) and the EMA update of the target — on the best
 * available backend that can train a CNN.
 *
 * PyTorch's time for the same step comes from tools/reference/detcon/bench_detcon_torch.py, run
 * first in the same run when /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch (CPU, 2 threads;
 * SSDET_BENCH_TORCH=0 skips it); the ratio ours / PyTorch is printed. Both sides run one warm-up
 * step and report the mean of the next two. `SSDET_BENCH_PROFILE=1` adds one profiled step and
 * prints its heaviest kernels.
 *
 * DETCON_BENCH_ARCH, DETCON_BENCH_SIZE, DETCON_BENCH_BATCH, DETCON_BENCH_SAMPLES and
 * DETCON_BENCH_HIDDEN shrink both sides alike (e.g. `resnet18`, 64, 4, 4, 64) to check the bench
 * starts.
 */
import {
  CNN_TRAINING_KERNELS,
  LarsOptimizer,
  Rng,
  createMethod,
  formatKernelProfile,
  profileKernels,
  selectBackend,
  type Batch,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MethodStepBench, torchStep } from '../../../tools/bench/method-step-bench.js';
import { timedTrainingStep } from '../../../tools/bench/timed-training-step.js';
import { detconConfigSchema, plugin, type DetconBMethod } from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const ARCH = process.env['DETCON_BENCH_ARCH'] ?? 'resnet50';
const SIZE = fromEnv('DETCON_BENCH_SIZE', 224);
const BATCH = fromEnv('DETCON_BENCH_BATCH', 8);
const SAMPLES = fromEnv('DETCON_BENCH_SAMPLES', 16);
const HIDDEN = fromEnv('DETCON_BENCH_HIDDEN', 4096);
const DIM = fromEnv('DETCON_BENCH_DIM', 256);
const LR = (0.2 * BATCH) / 256;

const record = new MethodStepBench();
let method: DetconBMethod | undefined;
let optimizer: LarsOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/detcon/bench_detcon_torch.py', [
      ...['--arch', ARCH, '--size', String(SIZE), '--batch', String(BATCH)],
      ...['--samples', String(SAMPLES), '--hidden', String(HIDDEN), '--dim', String(DIM)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-detcon',
      `DetCon-B ${ARCH}@${SIZE}, ${SAMPLES} masks per view, batch ${BATCH}, training step`,
      BATCH,
    ),
  );
  method?.dispose();
  optimizer?.dispose();
  if (batch !== undefined)
    tf.dispose(Object.values(batch.views).flatMap((view) => [view.images, view.masks!]));
});

/** Block masks of 16 × 16-pixel squares, ids 0–11; view 2 sees view 1's mirrored (shared masks). */
function blockMasks(seed: number): [tf.Tensor3D, tf.Tensor3D] {
  const rng = Rng.fromSeed(seed);
  const blocks = Math.ceil(SIZE / 16);
  const ids = Array.from({ length: BATCH * blocks * blocks }, () => rng.int(0, 12));
  const first = new Int32Array(BATCH * SIZE * SIZE);
  const mirrored = new Int32Array(BATCH * SIZE * SIZE);
  for (let b = 0; b < BATCH; b++)
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const id = ids[(b * blocks + Math.floor(y / 16)) * blocks + Math.floor(x / 16)]!;
        first[(b * SIZE + y) * SIZE + x] = id;
        mirrored[(b * SIZE + y) * SIZE + (SIZE - 1 - x)] = id;
      }
  return [
    tf.tensor3d(first, [BATCH, SIZE, SIZE], 'int32'),
    tf.tensor3d(mirrored, [BATCH, SIZE, SIZE], 'int32'),
  ];
}

function setup(): { method: DetconBMethod; optimizer: LarsOptimizer; batch: Batch } {
  if (method === undefined || optimizer === undefined || batch === undefined) {
    method = createMethod(
      plugin,
      detconConfigSchema.parse({
        imageSize: SIZE,
        backbone: { arch: ARCH },
        masks: { samples: SAMPLES },
        projector: { hiddenDim: HIDDEN, outDim: DIM },
        predictor: { hiddenDim: HIDDEN },
        regions: { cache: false },
        train: { batchSize: BATCH },
      }),
      Rng.fromSeed(0),
    ) as DetconBMethod;
    optimizer = new LarsOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
      momentum: 0.9,
      weightDecay: 1.5e-6,
      trustCoefficient: 1e-3,
    });
    const [masks1, masks2] = blockMasks(5);
    const view = (seed: number, masks: tf.Tensor3D) => ({
      images: tf.randomNormal<tf.Rank.R4>([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', seed),
      geometry: [],
      masks,
    });
    batch = {
      size: BATCH,
      records: [],
      views: { view1: view(1, masks1), view2: view(2, masks2) },
    };
  }
  return { method, optimizer, batch };
}

function trainingStep(): void {
  const { method, optimizer, batch } = setup();
  const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  record.step('DetCon', () => timedTrainingStep(method, optimizer, batch, context, LR));
  step += 1;
}

describe(`DetCon-B, ${ARCH}, batch ${BATCH} at ${SIZE}×${SIZE}, ${SAMPLES} masks per view`, () => {
  bench(
    'training step (masks + online/target on both views + loss + grads + LARS + EMA)',
    async () => {
      trainingStep();
      if (process.env['SSDET_BENCH_PROFILE'] === '1' && step === 3) {
        const profile = await profileKernels(() => {
          const { method, optimizer, batch } = setup();
          const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(4) };
          timedTrainingStep(method, optimizer, batch, context, LR);
        });
        process.stdout.write(`\n${formatKernelProfile(profile, 20).join('\n')}\n`);
      }
    },
    { iterations: 2, time: 0, warmupTime: 0, warmupIterations: 1 },
  );
});
