/**
 * `npm run bench -- soco`: one SoCo training step (forward of the online and target networks on
 * V1 224, V2 224 and V3 112 with K = 4 boxes per pair, backward, LARS update, EMA) at the paper's
 * resolution and architecture (ResNet-50, FPN 256 with BN, 4conv1fc head 1024, projector and
 * predictor 4096 → 256, every-level pooling) on the best backend that can train a CNN. Proposals
 * are fixed boxes (Selective Search is not part of the step).
 *
 * Batch: `SOCO_BENCH_BATCH` (default 8 on a native backend, 1 on tfjs's pure-JS `cpu`, where an
 * R50 step takes more than 12 minutes on a loaded 2-core machine). PyTorch's time for the same
 * step comes from tools/reference/soco/bench_soco_torch.py (CPU, 2 threads, SGD instead of LARS),
 * run first in the same run when /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch
 * (SSDET_BENCH_TORCH=0 skips it); the ratio ours / PyTorch is printed. Both sides run one warm-up
 * step and report the mean of the next two. `SSDET_BENCH_PROFILE=1` adds one profiled step and
 * prints its heaviest kernels.
 */
import {
  CNN_TRAINING_KERNELS,
  LarsOptimizer,
  Rng,
  collate,
  createMethod,
  disposeBatch,
  formatKernelProfile,
  profileKernels,
  selectBackend,
  type Batch,
} from '@ssdet/core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MethodStepBench, torchStep } from '../../../tools/bench/method-step-bench.js';
import { timedTrainingStep } from '../../../tools/bench/timed-training-step.js';
import { socoConfigSchema } from '../src/config.js';
import type { SocoMethod } from '../src/method.js';
import { plugin } from '../src/plugin.js';

const record = new MethodStepBench();
let method: SocoMethod | undefined;
let batch: Batch | undefined;
let optimizer: LarsOptimizer | undefined;
let batchSize = 1;
let step = 0;

function scene(seed: number) {
  const width = 320;
  const height = 240;
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + seed * 13 + (i >> 9)) % 256;
  return {
    sample: {
      record: { id: `bench-${seed}`, path: `/bench-${seed}.jpg` },
      image: { width, height, pixels },
    },
    regions: {
      boxes: Float32Array.from([
        10, 10, 120, 100, 100, 60, 300, 220, 40, 120, 180, 235, 200, 5, 310, 110, 60, 40, 260, 200,
      ]),
    },
  };
}

beforeAll(() =>
  record.prepare(async () => {
    // Only picks the backend (the batch depends on it): nothing runs on the cores yet.
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
    const fromEnv = Number(process.env['SOCO_BENCH_BATCH']);
    batchSize =
      Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : record.backend === 'cpu' ? 1 : 8;
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/soco/bench_soco_torch.py', [
      ...['--batch', String(batchSize), '--steps', '2'],
    ]);
    method = createMethod(
      plugin,
      socoConfigSchema.parse({ regions: { cache: false } }),
      Rng.fromSeed(0),
    ) as SocoMethod;
    const records = [];
    const views = [];
    for (let i = 0; i < batchSize; i++) {
      const { sample, regions } = scene(i);
      records.push(sample.record);
      views.push(await method.views.generate(sample, regions, Rng.fromSeed(i)));
    }
    batch = collate(
      { epoch: 0, index: 0, records, views, cursor: batchSize },
      method.views.viewNames,
    );
    optimizer = new LarsOptimizer([{ name: 'all', variables: method.trainableVariables() }]);
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-soco',
      `SoCo R50-FPN batch ${batchSize} (V1 224, V2 224, V3 112, K = 4, every level), training step`,
      batchSize,
    ),
  );
  optimizer?.dispose();
  if (batch !== undefined) disposeBatch(batch);
});

function trainingStep(): void {
  const context = { step, epoch: 0, totalSteps: 100, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  record.step('SoCo', () => timedTrainingStep(method!, optimizer!, batch!, context, 0.01));
  step += 1;
}

describe('soco', () => {
  bench(
    'training step (R50-FPN, 224/224/112, K=4, every-level)',
    async () => {
      trainingStep();
      if (process.env['SSDET_BENCH_PROFILE'] === '1' && step === 3) {
        const profile = await profileKernels(() => {
          const context = { step, epoch: 0, totalSteps: 100, rng: Rng.fromSeed(4) };
          timedTrainingStep(method!, optimizer!, batch!, context, 0.01);
        });
        process.stdout.write(`\n${formatKernelProfile(profile, 20).join('\n')}\n`);
      }
    },
    { iterations: 2, time: 0, warmupTime: 0, warmupIterations: 1 },
  );
});
