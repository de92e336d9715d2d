/**
 * `npm run bench -- densecl`: one DenseCL training step at the paper's resolution — ResNet-50,
 * 224 × 224, batch 8 (query and key views), queues of 65,536 × 128, two shuffle-BN groups: the
 * loss (both encoders, correspondence, L_q and L_r), its gradients, an SGD update (momentum 0.9,
 * weight decay 1e-4), the momentum update of the key encoder and the enqueue of both queues — on
 * the best available backend that can train a CNN.
 *
 * It runs one warm-up step (oneDNN primitives are created on first use) and reports the mean of
 * two more (on tfjs's pure-JS `cpu` backend each takes minutes). PyTorch's time for the same step
 * comes from tools/reference/densecl/bench_densecl_torch.py (CPU, 2 threads), run first in the
 * same run when /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch (SSDET_BENCH_TORCH=0 skips
 * it); the ratio ours / PyTorch is printed. `SSDET_BENCH_PROFILE=1` adds one profiled step and
 * prints its heaviest kernels.
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
import { denseclConfigSchema, plugin, type DenseCLMethod } from '../src/index.js';

const BATCH = 8;
const SIZE = 224;

const record = new MethodStepBench();
let method: DenseCLMethod | undefined;
let optimizer: SgdOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/densecl/bench_densecl_torch.py', ['--steps', '2']);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-densecl',
      `DenseCL ResNet-50@${SIZE} batch ${BATCH}, training step`,
      BATCH,
    ),
  );
  method?.dispose();
  optimizer?.dispose();
  if (batch !== undefined) tf.dispose(Object.values(batch.views).map((view) => view.images));
});

function setup(): { method: DenseCLMethod; optimizer: SgdOptimizer; batch: Batch } {
  if (method === undefined || optimizer === undefined || batch === undefined) {
    method = createMethod(
      plugin,
      denseclConfigSchema.parse({ shuffleBnGroups: 2, train: { batchSize: BATCH } }),
      Rng.fromSeed(0),
    ) as DenseCLMethod;
    optimizer = new SgdOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
      momentum: 0.9,
      weightDecay: 1e-4,
    });
    const view = (seed: number) => ({
      images: tf.randomNormal<tf.Rank.R4>([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', seed),
      geometry: [],
    });
    batch = { size: BATCH, records: [], views: { query: view(1), key: view(2) } };
  }
  return { method, optimizer, batch };
}

function trainingStep(): void {
  const { method, optimizer, batch } = setup();
  const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  record.step('DenseCL', () => timedTrainingStep(method, optimizer, batch, context, 0.03));
  step += 1;
}

describe('DenseCL, ResNet-50, batch 8 at 224×224', () => {
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
