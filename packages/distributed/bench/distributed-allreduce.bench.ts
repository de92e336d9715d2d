/**
 * `npm run bench -- distributed`: the mean-allreduce of ResNet-50's gradients — torchvision's 161
 * parameter tensors, 25,557,032 floats (102 MB), from
 * tools/reference/fixtures/distributed/resnet50_gradient_shapes.json — between 2 processes on this
 * machine:
 *
 * - ours: `MpiProcessGroup.allreduce(gradients, 'mean')` (Open MPI, 16 MB fusion buffers) in an
 *   `mpirun -np 2` job of bench/allreduce-worker.mjs, which also measures the latency of a
 *   one-float allreduce and the bandwidth of one 256 MB buffer (the analytic model's α and B in
 *   docs/distributed.md);
 * - PyTorch: DistributedDataParallel's bucketed allreduce (25 MB buckets, gloo backend, one thread
 *   per rank) from tools/reference/distributed/allreduce_torch.py, run first in the same run
 *   (SSDET_BENCH_TORCH=0 skips it).
 *
 * A round is the slowest rank's time from a common barrier; the median of SSDET_BENCH_REPS
 * (default 10) rounds after 2 warm-ups. Prints both times, bus bandwidths 2(N−1)/N · bytes / time
 * and the ratio; the numbers go to bench-results/distributed.json. Needs the built package
 * (`npx tsc -b tsconfig.build.json`) and addon (`npm run build:native -w @ssdet/distributed`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { runPythonReference } from '../../../tools/bench/python-reference.js';
import { lastJsonLine, runMpiBenchJob } from './mpi-bench-support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const SHAPES = join(REPO, 'tools/reference/fixtures/distributed/resnet50_gradient_shapes.json');
const RANKS = 2;
const REPS = process.env['SSDET_BENCH_REPS'] ?? '10';
const WARMUP = '2';

interface AllreduceTiming {
  readonly side: string;
  readonly ranks: number;
  readonly tensors: number;
  readonly bytes: number;
  readonly medianSeconds: number;
  readonly bestSeconds: number;
  readonly busBandwidthGBps: number;
  readonly [detail: string]: unknown;
}

let torch: AllreduceTiming | string = 'not run';
let ours: AllreduceTiming | string = 'not run';

beforeAll(() => {
  // PyTorch first, so that the two sides do not compete for the cores.
  const reference = runPythonReference('tools/reference/distributed/allreduce_torch.py', [
    '--ranks',
    String(RANKS),
    '--reps',
    REPS,
    '--warmup',
    WARMUP,
  ]);
  torch =
    'stdout' in reference ? lastJsonLine<AllreduceTiming>(reference.stdout) : reference.skipped;
});

afterAll(() => {
  const row = (name: string, timing: AllreduceTiming | string): string =>
    typeof timing === 'string'
      ? `  ${name.padEnd(34)} ${timing}`
      : `  ${name.padEnd(34)} ${(timing.medianSeconds * 1000).toFixed(1).padStart(8)} ms` +
        ` (best ${(timing.bestSeconds * 1000).toFixed(1)} ms)` +
        `  bus bandwidth ${timing.busBandwidthGBps.toFixed(2)} GB/s`;
  const lines = [
    '',
    `@ssdet/distributed: allreduce (mean) of ResNet-50's gradients, 161 tensors, 102 MB, np ${RANKS}`,
    row('ssdet MPI (16 MB fusion)', ours),
    row('PyTorch DDP buckets (gloo, 25 MB)', torch),
  ];
  if (typeof ours !== 'string' && typeof torch !== 'string') {
    lines.push(`  ratio ssdet / PyTorch: ${(ours.medianSeconds / torch.medianSeconds).toFixed(2)}`);
  }
  if (typeof ours !== 'string') {
    lines.push(
      `  one-float allreduce ${(Number(ours['tinyAllreduceSeconds']) * 1e6).toFixed(1)} µs;` +
        ` one 256 MB buffer ${Number(ours['largeSeconds']).toFixed(3)} s` +
        ` (${Number(ours['largeBusBandwidthGBps']).toFixed(2)} GB/s)`,
      `  (${String(ours['mpi'])})`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(join(REPO, 'bench-results'), { recursive: true });
  writeFileSync(
    join(REPO, 'bench-results', 'distributed.json'),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), ours, torch }, null, 2)}\n`,
  );
});

describe(`ResNet-50 gradient allreduce, mpirun -np ${RANKS}`, () => {
  bench(
    `ssdet MpiProcessGroup.allreduce (${REPS} rounds in one mpirun job)`,
    () => {
      // vitest's bench runner calls this more than once (a probe, then the sample); the job times
      // its own rounds, so one job is enough.
      if (ours !== 'not run') return;
      ours = runMpiBenchJob<AllreduceTiming>({
        ranks: RANKS,
        worker: join(HERE, 'allreduce-worker.mjs'),
        args: [SHAPES, REPS, WARMUP],
        builtPackages: ['distributed'],
      });
    },
    { iterations: 1, time: 0, warmupTime: 0, warmupIterations: 0 },
  );
});
