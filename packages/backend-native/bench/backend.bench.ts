/**
 * `npm run bench -- backend`: the `native` backend against PyTorch on the same two cores.
 *
 * - The convolution shapes of a ResNet-50 training step at batch 8, 224×224 (stem, 1×1 and 3×3
 *   convs of every stage, one strided): forward, and forward + both gradients (3× the FLOPs).
 * - Training steps of ResNet-18 at batch 8, 112×112 and ResNet-50 at batch 8, 224×224:
 *   `@ssdet/nn`'s ResNet to `layer4` in training mode (fused BatchNorm on `native`), loss mean(C5²),
 *   backward, SGD with momentum 0.9 from `@ssdet/core`; the peak resident memory of the process
 *   after the step. The steps run first (ResNet-18, then ResNet-50), so that the peak is theirs.
 *
 * When `/usr/bin/python3` has torch (or `SSDET_BENCH_PYTHON` names another interpreter) the same
 * cases run in PyTorch first — `tools/reference/backend-native/bench_torch.py`, NCHW and
 * channels-last, `torch.set_num_threads` = the native thread count — and the table shows the
 * ratios against the faster of the two formats. `SSDET_BENCH_TORCH=0` skips PyTorch. The table
 * goes to stdout and everything to `bench-results/backend.json`. `SSDET_BENCH_PROFILE=1` adds one
 * profiled step per network and prints its heaviest kernels.
 */
import {
  Rng,
  createOptimizer,
  formatKernelProfile,
  profileKernels,
  selectBackend,
} from '@ssdet/core';
import { ResNet } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';

import { runPythonReference } from '../../../tools/bench/python-reference.js';
import type * as NativePackageModule from '../src/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// The package's vitest config poisons every new native output with NaN, a check for the kernel
// tests that a user's process never runs: an extra pass over each of the ~400 MiB of outputs a
// ResNet-18 step writes. The addon reads the variable when it loads (in `beforeAll`), so the
// benchmark times outputs as a user's process gets them.
delete process.env['SSDET_NATIVE_POISON'];

interface ConvCase {
  readonly name: string;
  readonly batch: number;
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: number;
  readonly size: number;
}

interface StepCase {
  readonly name: string;
  readonly depth: 18 | 50;
  readonly batch: number;
  readonly size: number;
}

const conv = (
  name: string,
  cin: number,
  cout: number,
  k: number,
  size: number,
  stride = 1,
): ConvCase => ({ name, batch: 8, cin, cout, k, stride, pad: (k - 1) / 2, size });

const CONV_CASES: readonly ConvCase[] = [
  conv('stem 7×7/2 3→64 @224', 3, 64, 7, 224, 2),
  conv('layer1 1×1 64→256 @56', 64, 256, 1, 56),
  conv('layer1 3×3 64→64 @56', 64, 64, 3, 56),
  conv('layer2 3×3/2 128→128 @56', 128, 128, 3, 56, 2),
  conv('layer2 3×3 128→128 @28', 128, 128, 3, 28),
  conv('layer3 1×1 1024→256 @14', 1024, 256, 1, 14),
  conv('layer3 3×3 256→256 @14', 256, 256, 3, 14),
  conv('layer4 3×3 512→512 @7', 512, 512, 3, 7),
];

const STEP_CASES: readonly StepCase[] = [
  { name: 'ResNet-18 b8@112', depth: 18, batch: 8, size: 112 },
  { name: 'ResNet-50 b8@224', depth: 50, batch: 8, size: 224 },
];

/** Training steps: one warm-up, three timed. Convolutions (milliseconds each): ten timed. */
const repeated = { iterations: 3, time: 0, warmupTime: 0, warmupIterations: 1 };
const manyTimes = { iterations: 10, time: 0, warmupTime: 0, warmupIterations: 1 };

interface TorchFormats<T> {
  readonly nchw: T;
  readonly channels_last: T;
}
interface TorchResults {
  readonly torch: string;
  readonly threads: number;
  readonly conv: Record<string, TorchFormats<{ forward_ms: number; forward_backward_ms: number }>>;
  readonly step: Record<
    string,
    TorchFormats<{ ms: number; peak_rss_mib: number; baseline_rss_mib: number }>
  >;
}

let native: typeof NativePackageModule | undefined;
let unavailable = '';
let torch: TorchResults | undefined;
let torchNote = '';
const convMs = new Map<string, { forward: number[]; forwardBackward: number[] }>();
const profiles = new Map<string, string[]>();
const stepMs = new Map<string, { ms: number[]; peakRssMib: number; baselineRssMib: number }>();

const mib = (kib: number): number => kib / 1024;
const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const convFlops = (c: ConvCase): number => {
  const out = Math.floor((c.size + 2 * c.pad - c.k) / c.stride) + 1;
  return 2 * c.batch * out * out * c.cout * c.cin * c.k * c.k;
};

function runTorch(threads: number): void {
  const casesFile = join(mkdtempSync(join(tmpdir(), 'ssdet-bench-')), 'cases.json');
  writeFileSync(casesFile, JSON.stringify({ conv: CONV_CASES, step: STEP_CASES }));
  const run = runPythonReference('tools/reference/backend-native/bench_torch.py', [
    '--cases',
    casesFile,
    '--threads',
    String(threads),
  ]);
  if ('skipped' in run) {
    torchNote = `PyTorch ${run.skipped}`;
    return;
  }
  torch = JSON.parse(run.stdout) as TorchResults;
  torchNote = `PyTorch ${torch.torch}, ${torch.threads} threads`;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  try {
    native = await import('../src/index.js');
    await tf.setBackend('native');
  } catch (error) {
    unavailable = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return;
  }
  runTorch(native.nativeThreads());
});

// ---------------------------------------------------------------- training steps

function stepBench(c: StepCase) {
  let state:
    | {
        net: ResNet;
        images: tf.Tensor4D;
        variables: Map<string, tf.Variable>;
        optimizer: ReturnType<typeof createOptimizer>;
      }
    | undefined;
  let baselineRssMib = 0;
  return async () => {
    if (native === undefined) return;
    if (state === undefined) {
      baselineRssMib = mib(process.resourceUsage().maxRSS);
      const net = new ResNet({ depth: c.depth, rng: Rng.fromSeed(c.depth) });
      const variables = new Map(net.trainableVariables());
      state = {
        net,
        images: tf.randomNormal([c.batch, c.size, c.size, 3], 0, 1, 'float32', 4) as tf.Tensor4D,
        variables,
        optimizer: createOptimizer(
          { type: 'sgd', lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
          [{ name: 'all', variables }],
        ),
      };
    }
    const { net, images, variables, optimizer } = state;
    const start = performance.now();
    trainingStep(net, images, variables, optimizer);
    const entry = stepMs.get(c.name) ?? { ms: [], peakRssMib: 0, baselineRssMib };
    entry.ms.push(performance.now() - start);
    entry.peakRssMib = mib(process.resourceUsage().maxRSS);
    stepMs.set(c.name, entry);
    if (process.env['SSDET_BENCH_PROFILE'] === '1' && !profiles.has(c.name)) {
      const profile = await profileKernels(() => trainingStep(net, images, variables, optimizer));
      profiles.set(c.name, formatKernelProfile(profile, 20));
    }
  };
}

/** Forward to C5, loss mean(C5²), backward, one SGD update. */
function trainingStep(
  net: ResNet,
  images: tf.Tensor4D,
  variables: ReadonlyMap<string, tf.Variable>,
  optimizer: ReturnType<typeof createOptimizer>,
): void {
  const { value, grads } = tf.variableGrads(
    () => tf.mean(tf.square(net.forward(images, { training: true })['C5']!)) as tf.Scalar,
    [...variables.values()],
  );
  const byName = new Map<string, tf.Tensor>();
  for (const [name, variable] of variables) byName.set(name, grads[variable.name]!);
  optimizer.apply(byName, 0.01);
  value.dataSync();
  tf.dispose([value, grads]);
}

describe('ResNet training steps (native)', () => {
  for (const c of STEP_CASES) bench(c.name, stepBench(c), repeated);
});

// ---------------------------------------------------------------- convolutions

const convTensors = new Map<string, { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D }>();

function convBench(c: ConvCase, pass: 'forward' | 'forwardBackward') {
  return () => {
    if (native === undefined) return;
    let t = convTensors.get(c.name);
    if (t === undefined) {
      const x = tf.randomNormal(
        [c.batch, c.size, c.size, c.cin],
        0,
        1,
        'float32',
        1,
      ) as tf.Tensor4D;
      const w = tf.randomNormal([c.k, c.k, c.cin, c.cout], 0, 0.05, 'float32', 2) as tf.Tensor4D;
      const dy = tf.tidy(() => tf.onesLike(run(x, w)));
      t = { x, w, dy };
      convTensors.set(c.name, t);
    }
    const { x, w, dy } = t;
    const start = performance.now();
    // Native kernels run synchronously: the result exists when the op returns. Not read out
    // (dataSync), which would keep the array from being recycled as a training step's are.
    tf.tidy(() => {
      if (pass === 'forward') {
        run(x, w);
      } else {
        tf.grads((a: tf.Tensor, b: tf.Tensor) => run(a as tf.Tensor4D, b as tf.Tensor4D))(
          [x, w],
          dy,
        );
      }
    });
    const entry = convMs.get(c.name) ?? { forward: [], forwardBackward: [] };
    entry[pass].push(performance.now() - start);
    convMs.set(c.name, entry);
  };
  function run(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, w, c.stride, [
      [0, 0],
      [c.pad, c.pad],
      [c.pad, c.pad],
      [0, 0],
    ]);
  }
}

describe('ResNet-50 convolutions, batch 8 (native)', () => {
  for (const c of CONV_CASES) {
    bench(`${c.name} forward`, convBench(c, 'forward'), manyTimes);
    bench(`${c.name} forward + backward`, convBench(c, 'forwardBackward'), manyTimes);
  }
});

// ---------------------------------------------------------------- report

afterAll(() => {
  if (native === undefined) {
    process.stdout.write(`\n@ssdet/backend-native bench skipped: ${unavailable}\n`);
    return;
  }
  const header = `@ssdet/backend-native (oneDNN ${native.onednnVersion()}, ${native.nativeThreads()} threads) vs ${torchNote}`;
  const fmt = (v: number | undefined, digits = 1): string =>
    v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);
  const lines = [
    `\n${header}`,
    '',
    '| conv (batch 8) | pass | native ms | native GFLOP/s | torch NCHW ms | torch CL ms | throughput vs best torch |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  const convRows: Record<string, unknown>[] = [];
  for (const c of CONV_CASES) {
    const ours = convMs.get(c.name);
    for (const pass of ['forward', 'forwardBackward'] as const) {
      const ms = ours === undefined ? Number.NaN : median(ours[pass]);
      const flops = convFlops(c) * (pass === 'forward' ? 1 : 3);
      const t = torch?.conv[c.name];
      const key = pass === 'forward' ? 'forward_ms' : 'forward_backward_ms';
      const torchNchw = t?.nchw[key];
      const torchCl = t?.channels_last[key];
      const best = t === undefined ? undefined : Math.min(torchNchw!, torchCl!);
      const ratio = best === undefined ? undefined : best / ms;
      lines.push(
        `| ${c.name} | ${pass === 'forward' ? 'fwd' : 'fwd+bwd'} | ${fmt(ms)} | ${fmt(flops / ms / 1e6)} | ${fmt(torchNchw)} | ${fmt(torchCl)} | ${fmt(ratio, 2)}× |`,
      );
      convRows.push({ case: c, pass, ms, gflops: flops / ms / 1e6, torchNchw, torchCl, ratio });
    }
  }
  const convRatios = convRows
    .map((row) => row['ratio'] as number | undefined)
    .filter((r): r is number => r !== undefined);
  const geoMean =
    convRatios.length === 0
      ? undefined
      : Math.exp(convRatios.reduce((s, r) => s + Math.log(r), 0) / convRatios.length);
  lines.push(
    '',
    `conv throughput vs PyTorch: geometric mean ${fmt(geoMean, 2)}×, worst ${fmt(convRatios.length ? Math.min(...convRatios) : undefined, 2)}× (target ≥ 0.9×)`,
    '',
    '| training step | native ms | torch NCHW ms | torch CL ms | time vs best torch | native peak RSS MiB | torch peak RSS MiB | memory ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  const stepRows: Record<string, unknown>[] = [];
  for (const c of STEP_CASES) {
    const ours = stepMs.get(c.name);
    const ms = ours === undefined ? Number.NaN : median(ours.ms);
    const t = torch?.step[c.name];
    const best =
      t === undefined
        ? undefined
        : [t.nchw, t.channels_last].reduce((a, b) => (b.ms < a.ms ? b : a));
    const timeRatio = best === undefined ? undefined : ms / best.ms;
    const memoryRatio =
      best === undefined || ours === undefined ? undefined : ours.peakRssMib / best.peak_rss_mib;
    lines.push(
      `| ${c.name} | ${fmt(ms, 0)} | ${fmt(t?.nchw.ms, 0)} | ${fmt(t?.channels_last.ms, 0)} | ${fmt(timeRatio, 2)}× | ${fmt(ours?.peakRssMib, 0)} | ${fmt(best?.peak_rss_mib, 0)} | ${fmt(memoryRatio, 2)}× |`,
    );
    stepRows.push({ case: c, ms, torch: t, timeRatio, peakRssMib: ours?.peakRssMib, memoryRatio });
  }
  lines.push(
    '',
    'Targets: ResNet-50 step time ≤ 1.3× and peak RSS ≤ 1.5× PyTorch (process peaks, including each runtime).',
  );
  for (const [name, rows] of profiles) lines.push('', `where a ${name} step goes:`, ...rows);
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = join(REPO, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'backend.json'),
    JSON.stringify(
      {
        header,
        torch: torch ?? torchNote,
        conv: convRows,
        convGeoMeanRatio: geoMean,
        step: stepRows,
      },
      null,
      2,
    ),
  );
});
