/**
 * `npm run bench -- plrc`: one PLRC training step at the paper's resolution — ResNet-50 on three
 * 224 × 224 views, batch 8, fcs (2048 → 128) and fcs_2 (2048 → 2048 → 256 → 4096) on every C5
 * position, the image queue of 65,536 keys, 56 × 56 region masks, 32 points per view: the query
 * view through the encoder, key and extra views through the momentum encoder (two shuffle-BN
 * groups), L_img + L_point + L_ts, its gradients, an SGD update (lr 0.03, momentum 0.9, weight
 * decay 1e-4), the momentum update, the enqueue and the centre update — on the best available
 * backend that can train a CNN. The crops are fixed (the same as the PyTorch side's), so both
 * sides compare the same point pairs.
 *
 * PyTorch's time for the same step comes from tools/reference/plrc/bench_plrc_torch.py, run first
 * in the same run when /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch (CPU, 2 threads;
 * SSDET_BENCH_TORCH=0 skips it); the ratio ours / PyTorch is printed. Both sides run one warm-up
 * step and report the mean of the next two. `SSDET_BENCH_PROFILE=1` adds one profiled step and
 * prints its heaviest kernels.
 *
 * PLRC_BENCH_ARCH, PLRC_BENCH_SIZE, PLRC_BENCH_BATCH, PLRC_BENCH_MASK, PLRC_BENCH_HIDDEN,
 * PLRC_BENCH_BOTTLENECK, PLRC_BENCH_PROTOTYPES and PLRC_BENCH_QUEUE shrink both sides alike (e.g.
 * `resnet18`, 64, 4, 16, 64, 32, 64, 64) to check the bench starts.
 */
import {
  CNN_TRAINING_KERNELS,
  Rng,
  SgdOptimizer,
  collate,
  createMethod,
  formatKernelProfile,
  profileKernels,
  selectBackend,
  type Batch,
  type View,
  disposeBatch,
} from '@ssdet/core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MethodStepBench, torchStep } from '../../../tools/bench/method-step-bench.js';
import { timedTrainingStep } from '../../../tools/bench/timed-training-step.js';
import {
  PLRC_VIEW_NAMES,
  expandMask,
  plrcConfigSchema,
  plugin,
  regionMask,
  type PlrcMethod,
} from '../src/index.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const ARCH = process.env['PLRC_BENCH_ARCH'] ?? 'resnet50';
const SIZE = fromEnv('PLRC_BENCH_SIZE', 224);
const BATCH = fromEnv('PLRC_BENCH_BATCH', 8);
const MASK = fromEnv('PLRC_BENCH_MASK', 56);
const HIDDEN = fromEnv('PLRC_BENCH_HIDDEN', 2048);
const DIM = fromEnv('PLRC_BENCH_DIM', 128);
const BOTTLENECK = fromEnv('PLRC_BENCH_BOTTLENECK', 256);
const PROTOTYPES = fromEnv('PLRC_BENCH_PROTOTYPES', 4096);
const QUEUE = fromEnv('PLRC_BENCH_QUEUE', 65536);

/** The source size and the crops `[x0, y0, x1, y1)` of the views, shared with the PyTorch side. */
const SOURCE = { width: 320, height: 240 };
const CROPS: Record<(typeof PLRC_VIEW_NAMES)[number], [number, number, number, number]> = {
  query: [32, 24, 288, 216],
  key: [0, 0, 256, 192],
  extra: [48, 36, 304, 228],
};

const record = new MethodStepBench();
let method: PlrcMethod | undefined;
let optimizer: SgdOptimizer | undefined;
let batch: Batch | undefined;
let step = 0;

beforeAll(() =>
  record.prepare(async () => {
    // PyTorch first, so that the two sides do not compete for the cores.
    record.torch = torchStep('tools/reference/plrc/bench_plrc_torch.py', [
      ...['--arch', ARCH, '--size', String(SIZE), '--batch', String(BATCH), '--mask', String(MASK)],
      ...['--hidden', String(HIDDEN), '--dim', String(DIM), '--bottleneck', String(BOTTLENECK)],
      ...['--prototypes', String(PROTOTYPES), '--queue', String(QUEUE)],
    ]);
    record.backend = (await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS })).backend;
  }),
);

afterAll(() => {
  process.stdout.write(
    record.summary(
      '@ssdet/plugin-plrc',
      `PLRC ${ARCH}@${SIZE}, ${MASK}×${MASK} masks, batch ${BATCH}, training step`,
      BATCH,
    ),
  );
  method?.dispose();
  optimizer?.dispose();
  if (batch !== undefined) disposeBatch(batch);
});

/** Views as PlrcViewGenerator writes them, with random pixels and the fixed crops. */
function benchBatch(): Batch {
  const rng = Rng.fromSeed(7);
  const views: View[][] = Array.from({ length: BATCH }, () =>
    PLRC_VIEW_NAMES.map((name) => {
      const geometry = { sourceBox: CROPS[name], flipped: false, width: SIZE, height: SIZE };
      const [x0, y0, x1, y1] = CROPS[name];
      const pixels = Float32Array.from({ length: SIZE * SIZE * 3 }, () => rng.normal());
      const whole = Float32Array.from([
        (-x0 * SIZE) / (x1 - x0),
        (-y0 * SIZE) / (y1 - y0),
        ((SOURCE.width - x0) * SIZE) / (x1 - x0),
        ((SOURCE.height - y0) * SIZE) / (y1 - y0),
      ]);
      const labels = expandMask(regionMask(geometry, SOURCE, 4, MASK), MASK, SIZE / MASK);
      return {
        name,
        width: SIZE,
        height: SIZE,
        pixels,
        geometry,
        ...(name === 'key' ? {} : { boxes: whole, boxIds: Int32Array.from([0]) }),
        ...(name === 'extra' ? {} : { mask: { width: SIZE, height: SIZE, labels } }),
      };
    }),
  );
  return collate(
    { epoch: 0, index: 0, records: [], views, cursor: BATCH },
    PLRC_VIEW_NAMES as unknown as string[],
  );
}

function setup(): { method: PlrcMethod; optimizer: SgdOptimizer; batch: Batch } {
  if (method === undefined || optimizer === undefined || batch === undefined) {
    method = createMethod(
      plugin,
      plrcConfigSchema.parse({
        imageSize: SIZE,
        backbone: { arch: ARCH },
        regions: { maskSize: MASK },
        heads: {
          fcs: { hiddenDim: HIDDEN, outDim: DIM },
          fcs2: { hiddenDim: HIDDEN, bottleneckDim: BOTTLENECK, outDim: PROTOTYPES },
        },
        queueSize: QUEUE,
        shuffleBnGroups: BATCH % 2 === 0 ? 2 : 1,
        train: { batchSize: BATCH },
      }),
      Rng.fromSeed(0),
    ) as PlrcMethod;
    optimizer = new SgdOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
      momentum: 0.9,
      weightDecay: 1e-4,
    });
    batch = benchBatch();
  }
  return { method, optimizer, batch };
}

function trainingStep(): void {
  const { method, optimizer, batch } = setup();
  const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  record.step('PLRC', () => timedTrainingStep(method, optimizer, batch, context, 0.03));
  step += 1;
}

describe(`PLRC, ${ARCH}, batch ${BATCH} at ${SIZE}×${SIZE}, ${MASK}×${MASK} masks`, () => {
  bench(
    'training step (3 views + L_img + L_point + L_ts + grads + SGD + EMA + queue + centre)',
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
