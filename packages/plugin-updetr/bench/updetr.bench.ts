/**
 * `npm run bench -- updetr`: one UP-DETR pre-training step at the paper's resolution on the best
 * backend that can train a CNN — ResNet-50 (frozen, FrozenBN), pre-norm transformer d = 256,
 * 6 + 6 layers, 100 queries fed by 10 patches of 128×128, heads and Hungarian-matched loss on
 * all 6 decoder layers, backward, clip 0.1, AdamW — on images of 554×416 (the middle scale,
 * shorter side 416, 4:3).
 *
 * The paper's batch is 32 per GPU (README); on a 2-core CPU the batch is `UPDETR_BENCH_BATCH`
 * (default 1). PyTorch's time for the same step comes from
 * tools/reference/updetr/bench_updetr_torch.py (CPU, 2 threads, same batch), run first in the same
 * run when /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch (SSDET_BENCH_TORCH=0 skips it); the
 * ratio ours / PyTorch is printed. Both sides run one warm-up step and report the mean of the next
 * three (every step's time is printed too: the first ones used to be much slower).
 * `SSDET_BENCH_PROFILE=1` profiles the warm-up step and one more after the timed ones and prints
 * their heaviest kernels.
 */
import {
  AdamWOptimizer,
  CNN_TRAINING_KERNELS,
  Rng,
  createMethod,
  formatKernelProfile,
  profileKernels,
  selectBackend,
  type Batch,
  type BatchedView,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MethodStepBench, torchStep } from '../../../tools/bench/method-step-bench.js';
import { timedTrainingStep } from '../../../tools/bench/timed-training-step.js';
import { plugin, updetrConfigSchema, type UpdetrMethod } from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const BATCH = fromEnv('UPDETR_BENCH_BATCH', 1);
const WIDTH = 554;
const HEIGHT = 416;
const PATCHES = 10;
const PATCH = 128;
const TIMED_STEPS = 3;

const record = new MethodStepBench();
let method: UpdetrMethod | undefined;
let optimizer: AdamWOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

function syntheticBatch(): Batch {
  const rng = Rng.fromSeed(0);
  const boxes = new Float32Array(BATCH * PATCHES * 4);
  for (let i = 0; i < BATCH * PATCHES; i++) {
    const sw = rng.int(8, WIDTH - 7);
    const sh = rng.int(8, HEIGHT - 7);
    const x = sw === WIDTH ? 0 : rng.int(0, WIDTH - sw);
    const y = sh === HEIGHT ? 0 : rng.int(0, HEIGHT - sh);
    boxes.set([x, y, x + sw, y + sh], i * 4);
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
    boxes: tf.tensor3d(boxes, [BATCH, PATCHES, 4]),
    boxIds: tf.tensor2d(
      Int32Array.from({ length: BATCH * PATCHES }, (_, i) => i % PATCHES),
      [BATCH, PATCHES],
      'int32',
    ),
  };
  const views: Record<string, BatchedView> = { image };
  for (let k = 0; k < PATCHES; k++) {
    views[`patch-${k}`] = {
      images: tf.randomNormal([BATCH, PATCH, PATCH, 3], 0, 1, 'float32', 10 + k),
      geometry: geometry.map(() => ({
        sourceBox: [0, 0, 1, 1] as [number, number, number, number],
        flipped: false,
        width: PATCH,
        height: PATCH,
      })),
    };
  }
  return {
    size: BATCH,
    records: geometry.map((_, i) => ({ id: String(i), path: `${i}.jpg` })),
    views,
  };
}

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/updetr/bench_updetr_torch.py', [
      ...['--batch', String(BATCH), '--steps', String(TIMED_STEPS)],
      ...['--width', String(WIDTH), '--height', String(HEIGHT)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
    // The weights' values do not change the step's cost; a file would make the bench need one.
    method = createMethod(
      plugin,
      updetrConfigSchema.parse({ backboneWeights: 'random' }),
      Rng.fromSeed(0),
    ) as UpdetrMethod;
    optimizer = new AdamWOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
      weightDecay: 1e-4,
    });
    batch = syntheticBatch();
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-updetr',
      `UP-DETR R50 (frozen), d 256, 6+6 layers, 100 queries, batch ${BATCH} at ${WIDTH}×${HEIGHT} + ${PATCHES} patches of ${PATCH}², training step`,
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

function context(seed: number) {
  return { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(seed).fork(`step-${step}`) };
}

function trainingStep(): void {
  const at = context(3);
  record.step('UP-DETR', () => timedTrainingStep(method!, optimizer!, batch!, at, 1e-4, 0.1));
  step += 1;
}

describe(`UP-DETR (ResNet-50, d 256, 6+6 layers, 100 queries), batch ${BATCH} at ${WIDTH}×${HEIGHT}`, () => {
  bench(
    'training step (forward, matching, loss, backward, clip, AdamW)',
    async () => {
      const profiling = process.env['SSDET_BENCH_PROFILE'] === '1';
      // The warm-up step is profiled too: against the later profile it shows what the first
      // steps spend their extra time on.
      if (profiling && step === 0) {
        const profile = await profileKernels(trainingStep);
        process.stdout.write(`\nwarm-up step:\n${formatKernelProfile(profile, 25).join('\n')}\n`);
      } else trainingStep();
      if (profiling && step === TIMED_STEPS + 1) {
        const at = context(4);
        const profile = await profileKernels(() => {
          timedTrainingStep(method!, optimizer!, batch!, at, 1e-4, 0.1);
        });
        process.stdout.write(
          `\nstep after the timed ones:\n${formatKernelProfile(profile, 25).join('\n')}\n`,
        );
      }
    },
    { iterations: TIMED_STEPS, time: 0, warmupTime: 0, warmupIterations: 1 },
  );
});
