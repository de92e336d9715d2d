/**
 * `npm run bench -- distributed` (with distributed-allreduce.bench.ts): one DenseCL training step
 * data-parallel over 2 processes of 1 thread each — ResNet-50 at 224 × 224, global batch 8 (4 per
 * rank), shuffleBnGroups 2 spanning it, queues of 65,536 × 128:
 *
 * - ours: `mpirun -np 2` of bench/densecl-step-worker.mjs, the Trainer's step under MPI (shuffle-BN
 *   across ranks, `meanAllreduceGradients`, SGD, momentum update, all-gathered enqueue) on the best
 *   backend that trains a CNN, SSDET_NATIVE_THREADS=1 per rank;
 * - PyTorch: DistributedDataParallel over gloo, 2 processes × 1 thread, the same step
 *   (tools/reference/distributed/densecl_ddp_torch.py, built on the DenseCL reference model of
 *   tools/reference/densecl/), run first in the same run (SSDET_BENCH_TORCH=0 skips it).
 *
 * Two warm-up steps, then the mean of SSDET_BENCH_STEPS (default 3); a step is the slowest rank's
 * time from a common barrier (vitest's own timing of the bench is not the measurement). Prints
 * both times, how much of ours is the gradient allreduce and the wait for the slower rank, and the
 * ratio; the numbers go to bench-results/distributed-densecl-step.json with the load average
 * before and after. Needs the built packages (`npx tsc -b tsconfig.build.json`) and both addons.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { runPythonReference } from '../../../tools/bench/python-reference.js';
import { lastJsonLine, runMpiBenchJob } from './mpi-bench-support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const RANKS = 2;
const BATCH = 8;
const SIZE = 224;
const STEPS = process.env['SSDET_BENCH_STEPS'] ?? '3';
// DDP rebuilds its gradient buckets after its first iteration, and oneDNN creates primitives on first use.
const WARMUP = '2';
const ONE_THREAD = { SSDET_NATIVE_THREADS: '1', OMP_NUM_THREADS: '1' };

interface StepTiming {
  readonly side: string;
  readonly ranks: number;
  readonly perRankBatch: number;
  /** Every step's time, the warm-up first. */
  readonly steps: readonly number[];
  /** Mean wall seconds of the timed steps (the slowest rank's). */
  readonly seconds: number;
  /** CPU seconds per step, summed over the ranks. */
  readonly cpuSeconds: number;
  readonly [detail: string]: unknown;
}

let torch: StepTiming | string = 'not run';
let ours: StepTiming | string = 'not run';
const startLoad = loadavg()[0]!;

beforeAll(() => {
  // PyTorch first, so that the two sides do not compete for the cores.
  const reference = runPythonReference('tools/reference/distributed/densecl_ddp_torch.py', [
    '--ranks',
    String(RANKS),
    '--batch',
    String(BATCH),
    '--size',
    String(SIZE),
    '--steps',
    STEPS,
    '--warmup',
    WARMUP,
  ]);
  torch = 'stdout' in reference ? lastJsonLine<StepTiming>(reference.stdout) : reference.skipped;
});

afterAll(() => {
  const row = (name: string, timing: StepTiming | string): string =>
    typeof timing === 'string'
      ? `  ${name.padEnd(30)} ${timing}`
      : `  ${name.padEnd(30)} ${timing.seconds.toFixed(2).padStart(6)} s wall` +
        ` = ${(BATCH / timing.seconds).toFixed(2)} images/s, ${timing.cpuSeconds.toFixed(1)} CPU-s` +
        ` (steps ${timing.steps.map((s) => s.toFixed(2)).join(', ')} s, the first ${WARMUP} warm-ups)`;
  const ratio =
    typeof ours !== 'string' && typeof torch !== 'string' ? ours.seconds / torch.seconds : null;
  const endLoad = loadavg()[0]!;
  const lines = [
    '',
    `@ssdet/distributed: DenseCL ResNet-50@${SIZE} training step, np ${RANKS} × 1 thread, global batch ${BATCH} (${BATCH / RANKS} per rank)`,
    row(`ssdet MPI (${typeof ours === 'string' ? 'native' : String(ours['backend'])})`, ours),
    row('PyTorch DDP (gloo)', torch),
  ];
  if (typeof ours !== 'string')
    lines.push(
      `  ssdet per step: gradient allreduce ${(Number(ours['allreduceSeconds']) * 1000).toFixed(0)} ms` +
        ` (meanAllreduceGradients: copies + fused MPI), after waiting ${(Number(ours['waitSeconds']) * 1000).toFixed(0)} ms for the slower rank`,
    );
  if (ratio !== null) lines.push(`  ratio ssdet / PyTorch: ${ratio.toFixed(2)}`);
  lines.push(`  load average ${startLoad.toFixed(2)} → ${endLoad.toFixed(2)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(join(REPO, 'bench-results'), { recursive: true });
  writeFileSync(
    join(REPO, 'bench-results', 'distributed-densecl-step.json'),
    `${JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        ours,
        torch,
        ratio,
        machine: {
          cpu: cpus()[0]?.model.trim() ?? 'unknown',
          cores: availableParallelism(),
          node: process.version,
          loadAverage: [startLoad, endLoad],
        },
      },
      null,
      2,
    )}\n`,
  );
});

describe(`DenseCL training step, mpirun -np ${RANKS} × 1 thread`, () => {
  bench(
    `ssdet DenseCL step (${STEPS} steps after ${WARMUP} warm-ups in one mpirun job)`,
    () => {
      // vitest's bench runner calls this more than once (a probe, then the sample); the job's
      // own per-step timings are what is reported, so one job is enough.
      if (ours !== 'not run') return;
      ours = runMpiBenchJob<StepTiming>({
        ranks: RANKS,
        worker: join(HERE, 'densecl-step-worker.mjs'),
        args: [String(BATCH), String(SIZE), STEPS, WARMUP],
        builtPackages: ['distributed', 'plugin-densecl', 'core'],
        env: ONE_THREAD,
      });
    },
    { iterations: 1, time: 0, warmupTime: 0, warmupIterations: 0 },
  );
});
