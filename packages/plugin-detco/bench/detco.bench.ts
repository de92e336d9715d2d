/**
 * `npm run bench -- detco`: one DetCo training step at the paper's resolution — ResNet-50, global
 * views 224 × 224 and 3 × 3 patch sets of 64 × 64 for both encoders, batch 8, the paper's heads
 * (C → C → 128 and 9C → 9C → 128 at every stage), eight queues of 65,536 × 128, two shuffle-BN
 * groups: the loss (four backbone passes, twelve terms), its gradients, an SGD update (momentum
 * 0.9, weight decay 1e-4), the momentum update of the key encoder and the enqueue of all queues —
 * on the best available backend that can train a CNN.
 *
 * PyTorch's time for the same step comes from tools/reference/detco/bench_detco_torch.py, run
 * first in the same run when /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch (CPU, 2 threads;
 * SSDET_BENCH_TORCH=0 skips it); the ratio ours / PyTorch is printed. Both sides run one warm-up
 * step and report the mean of the next two. `SSDET_BENCH_PROFILE=1` adds one profiled step and
 * prints its heaviest kernels.
 *
 * DETCO_BENCH_ARCH, DETCO_BENCH_SIZE, DETCO_BENCH_PATCH, DETCO_BENCH_BATCH and DETCO_BENCH_QUEUE
 * shrink both sides alike (e.g. `resnet18`, 64, 16, 4, 64) to check the bench starts.
 */
import {
  CNN_TRAINING_KERNELS,
  Rng,
  createMethod,
  formatKernelProfile,
  profileKernels,
  SgdOptimizer,
  selectBackend,
  type Batch,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MethodStepBench, torchStep } from '../../../tools/bench/method-step-bench.js';
import { timedTrainingStep } from '../../../tools/bench/timed-training-step.js';
import { detcoConfigSchema, plugin, type DetcoMethod } from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const ARCH = process.env['DETCO_BENCH_ARCH'] ?? 'resnet50';
const SIZE = fromEnv('DETCO_BENCH_SIZE', 224);
const PATCH = fromEnv('DETCO_BENCH_PATCH', 64);
const BATCH = fromEnv('DETCO_BENCH_BATCH', 8);
const QUEUE = fromEnv('DETCO_BENCH_QUEUE', 65536);
const GRID = 3;

const record = new MethodStepBench();
let method: DetcoMethod | undefined;
let optimizer: SgdOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/detco/bench_detco_torch.py', [
      ...['--arch', ARCH, '--size', String(SIZE), '--patch', String(PATCH)],
      ...['--batch', String(BATCH), '--queue', String(QUEUE)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-detco',
      `DetCo ${ARCH}@${SIZE} + ${GRID * GRID}×${PATCH} patches, batch ${BATCH}, training step`,
      BATCH,
    ),
  );
  method?.dispose();
  optimizer?.dispose();
  if (batch !== undefined) tf.dispose(Object.values(batch.views).map((view) => view.images));
});

function setup(): { method: DetcoMethod; optimizer: SgdOptimizer; batch: Batch } {
  if (method === undefined || optimizer === undefined || batch === undefined) {
    method = createMethod(
      plugin,
      detcoConfigSchema.parse({
        imageSize: SIZE,
        backbone: { arch: ARCH },
        jigsaw: { size: GRID * PATCH, patchSize: PATCH },
        queueSize: QUEUE,
        shuffleBnGroups: 2,
        train: { batchSize: BATCH },
      }),
      Rng.fromSeed(0),
    ) as DetcoMethod;
    optimizer = new SgdOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
      momentum: 0.9,
      weightDecay: 1e-4,
    });
    const view = (height: number, width: number, seed: number) => ({
      images: tf.randomNormal<tf.Rank.R4>([BATCH, height, width, 3], 0, 1, 'float32', seed),
      geometry: [],
    });
    const strip = GRID * GRID * PATCH;
    batch = {
      size: BATCH,
      records: [],
      views: {
        query: view(SIZE, SIZE, 1),
        key: view(SIZE, SIZE, 2),
        query_patches: view(strip, PATCH, 3),
        key_patches: view(strip, PATCH, 4),
      },
    };
  }
  return { method, optimizer, batch };
}

function trainingStep(): void {
  const { method, optimizer, batch } = setup();
  const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  record.step('DetCo', () => timedTrainingStep(method, optimizer, batch, context, 0.03));
  step += 1;
}

describe(`DetCo, ${ARCH}, batch ${BATCH} at ${SIZE}×${SIZE} + ${GRID * GRID} patches of ${PATCH}×${PATCH}`, () => {
  bench(
    'training step (loss + grads + SGD + EMA + enqueue)',
    async () => {
      trainingStep();
      if (process.env['SSDET_BENCH_PROFILE'] === '1' && step === 3) {
        const profile = await profileKernels(() => {
          const { method, optimizer, batch } = setup();
          const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(4) };
          timedTrainingStep(method, optimizer, batch, context, 0.03);
        });
        process.stdout.write(`\n${formatKernelProfile(profile, 20).join('\n')}\n`);
      }
    },
    { iterations: 2, time: 0, warmupTime: 0, warmupIterations: 1 },
  );
});
