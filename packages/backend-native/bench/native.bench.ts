/**
 * `npm run bench -- native`: what the `native` backend buys over tfjs's `cpu` backend.
 *
 * - 3×3 convolution, 64 → 64 channels on 56×56 maps (a ResNet `layer1` conv), stride 1, padding 1:
 *   forward, and forward + both gradients (3× the forward FLOPs). `native` at batch 8; `cpu` at
 *   batch 1 (its JavaScript loops run at the same GFLOP/s at any batch, and batch 8 forward +
 *   backward takes minutes).
 * - ResNet-18 training step at batch 8, 112×112 (forward to `layer4`, loss mean(C5²), backward,
 *   plain SGD update): `@ssdet/nn`'s ResNet on `cpu` (once) and on `native`, and a ResNet-18
 *   written here from tfjs-core ops with the fused {@link batchNormTraining} on `native`.
 *
 * At the end it prints GFLOP/s and step times (median of the timed iterations). With
 * `SSDET_BENCH_PROFILE=1`, one extra native training step per model runs under `tf.profile` and
 * the kernels that took the most time are printed too; `SSDET_BENCH_SKIP_CPU=1` skips the slow
 * `cpu` cases. The same measurements in PyTorch:
 * `tools/reference/backend-native/bench_torch.py`.
 */
import { Rng, selectBackend } from '@ssdet/core';
import { ResNet } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';

import type * as NativePackageModule from '../src/index.js';

type NativePackage = typeof NativePackageModule;

let nativePackage: NativePackage | undefined;
let nativeSkipReason = '';
const timings = new Map<string, number[]>();
const profiles = new Map<string, string[]>();
const flopsOf = new Map<string, number>();

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  try {
    nativePackage = await import('../src/index.js');
  } catch (error) {
    nativeSkipReason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  }
});

afterAll(() => {
  const lines = [
    `\n@ssdet/backend-native bench (${nativePackage ? `oneDNN ${nativePackage.onednnVersion()}, ${nativePackage.nativeThreads()} threads` : `native unavailable: ${nativeSkipReason}`})`,
  ];
  for (const [name, ms] of timings) {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const flops = flopsOf.get(name);
    const rate =
      flops === undefined ? '' : `  ${(flops / median / 1e6).toFixed(2).padStart(8)} GFLOP/s`;
    lines.push(
      `  ${name.padEnd(52)} ${median.toFixed(1).padStart(10)} ms${rate}  (n=${ms.length})`,
    );
  }
  for (const [name, rows] of profiles) lines.push(`\n  where ${name} spends its time:`, ...rows);
  process.stdout.write(`${lines.join('\n')}\n`);
});

/** Kernel time per kernel name over one run of `run` (tf.profile), the largest first. */
async function profileKernels(name: string, run: () => void): Promise<void> {
  const profile = await tf.profile(run);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const kernel of profile.kernels) {
    const ms = Number(kernel.kernelTimeMs);
    total += ms;
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  const rows = [...byKernel]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 14)
    .map(
      ([kernel, { ms, calls }]) =>
        `    ${kernel.padEnd(24)} ${ms.toFixed(1).padStart(9)} ms ${String(calls).padStart(5)} calls`,
    );
  rows.unshift(`    ${profile.kernels.length} kernel calls, ${total.toFixed(0)} ms inside kernels`);
  profiles.set(name, rows);
}

function timed(name: string, run: () => void): void {
  const start = performance.now();
  run();
  const list = timings.get(name) ?? [];
  list.push(performance.now() - start);
  timings.set(name, list);
}

function use(backend: 'cpu' | 'native'): boolean {
  if (backend === 'native' && nativePackage === undefined) return false;
  void tf.setBackend(backend);
  return true;
}

// ---------------------------------------------------------------- convolution

const CONV = { h: 56, w: 56, c: 64, k: 3 };
const convFlops = (batch: number) =>
  2 * batch * CONV.h * CONV.w * CONV.c * CONV.c * CONV.k * CONV.k;

interface ConvCase {
  readonly x: tf.Tensor4D;
  readonly w: tf.Tensor4D;
  readonly dy: tf.Tensor4D;
}
const convCases = new Map<string, ConvCase>();

function convCase(backend: 'cpu' | 'native', batch: number): ConvCase {
  const key = `${backend}:${batch}`;
  let found = convCases.get(key);
  if (found === undefined) {
    found = {
      x: tf.randomNormal([batch, CONV.h, CONV.w, CONV.c], 0, 1, 'float32', 1),
      w: tf.randomNormal([CONV.k, CONV.k, CONV.c, CONV.c], 0, 0.05, 'float32', 2),
      dy: tf.randomNormal([batch, CONV.h, CONV.w, CONV.c], 0, 1, 'float32', 3),
    };
    convCases.set(key, found);
  }
  return found;
}

function convForward({ x, w }: ConvCase): void {
  // A block body: tidy walks whatever its callback returns, and a returned 1.6M-element
  // Float32Array costs seconds.
  tf.tidy(() => {
    tf.conv2d(x, w, 1, 'same').dataSync();
  });
}

function convForwardBackward({ x, w, dy }: ConvCase): void {
  tf.tidy(() => {
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
    )([x, w], dy);
    for (const g of grads) g.dataSync();
  });
}

function convBench(backend: 'cpu' | 'native', batch: number, pass: 'forward' | 'forward+backward') {
  const name = `conv3x3 ${batch}x56x56x64 ${pass} [${backend}]`;
  flopsOf.set(name, convFlops(batch) * (pass === 'forward' ? 1 : 3));
  return () => {
    if (!use(backend)) return;
    const c = convCase(backend, batch);
    timed(name, () => (pass === 'forward' ? convForward(c) : convForwardBackward(c)));
  };
}

/** The `cpu` cases take minutes; `SSDET_BENCH_SKIP_CPU=1` leaves them out. */
const cpuBench = process.env['SSDET_BENCH_SKIP_CPU'] === '1' ? bench.skip : bench;

const heavy = { iterations: 1, time: 0, warmupTime: 0, warmupIterations: 0 };
const light = { iterations: 5, time: 0, warmupTime: 0, warmupIterations: 1 };

describe('conv 3×3, 56×56×64 → 64', () => {
  cpuBench('forward, cpu (batch 1)', convBench('cpu', 1, 'forward'), heavy);
  bench('forward, native (batch 8)', convBench('native', 8, 'forward'), light);
  cpuBench('forward + backward, cpu (batch 1)', convBench('cpu', 1, 'forward+backward'), heavy);
  bench('forward + backward, native (batch 8)', convBench('native', 8, 'forward+backward'), light);
});

// ---------------------------------------------------------------- ResNet-18

interface Trainable {
  forward(images: tf.Tensor4D): tf.Tensor4D;
  readonly variables: tf.Variable[];
}

function nnResNet18(): Trainable {
  const net = new ResNet({ depth: 18, rng: Rng.fromSeed(18) });
  return {
    forward: (images) => net.forward(images, { training: true }).C5!,
    variables: [...net.trainableVariables().values()],
  };
}

/** ResNet-18 to `layer4` from tfjs-core ops: explicit conv padding, BN by {@link batchNormTraining}. */
function fusedBnResNet18(pkg: NativePackage): Trainable {
  const variables: tf.Variable[] = [];
  let seed = 100;
  const convBn = (cin: number, cout: number, k: number, stride: number) => {
    const w = tf.variable(
      tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin)), 'float32', seed++),
    );
    const gamma = tf.variable(tf.ones([cout]));
    const beta = tf.variable(tf.zeros([cout]));
    variables.push(w, gamma, beta);
    const p = (k - 1) / 2;
    return (x: tf.Tensor4D, relu: boolean) => {
      const y = tf.conv2d(x, w as tf.Tensor4D, stride, [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ]);
      const n = pkg.batchNormTraining(y, gamma as tf.Tensor1D, beta as tf.Tensor1D).y;
      return relu ? tf.relu(n) : n;
    };
  };
  const block = (cin: number, cout: number, stride: number) => {
    const conv1 = convBn(cin, cout, 3, stride);
    const conv2 = convBn(cout, cout, 3, 1);
    const down = stride !== 1 || cin !== cout ? convBn(cin, cout, 1, stride) : undefined;
    return (x: tf.Tensor4D) =>
      tf.relu(tf.add(conv2(conv1(x, true), false), down ? down(x, false) : x)) as tf.Tensor4D;
  };
  const stem = convBn(3, 64, 7, 2);
  const blocks = [
    block(64, 64, 1),
    block(64, 64, 1),
    block(64, 128, 2),
    block(128, 128, 1),
    block(128, 256, 2),
    block(256, 256, 1),
    block(256, 512, 2),
    block(512, 512, 1),
  ];
  return {
    forward: (images) => blocks.reduce((x, b) => b(x), tf.maxPool(stem(images, true), 3, 2, 1)),
    variables,
  };
}

function trainingStep(model: Trainable, images: tf.Tensor4D): void {
  const { value, grads } = tf.variableGrads(
    () => tf.mean(tf.square(model.forward(images))) as tf.Scalar,
    model.variables,
  );
  tf.tidy(() => {
    for (const v of model.variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.01)));
  });
  value.dataSync();
  tf.dispose([value, grads]);
}

const models = new Map<string, { model: Trainable; images: tf.Tensor4D }>();

function resnetBench(backend: 'cpu' | 'native', variant: 'nn' | 'fused-bn') {
  const name = `resnet18 b8@112 training step, ${variant === 'nn' ? '@ssdet/nn ResNet' : 'fused BatchNorm'} [${backend}]`;
  return async () => {
    if (!use(backend)) return;
    const key = `${backend}:${variant}`;
    let found = models.get(key);
    if (found === undefined) {
      found = {
        model: variant === 'nn' ? nnResNet18() : fusedBnResNet18(nativePackage!),
        images: tf.randomNormal([8, 112, 112, 3], 0, 1, 'float32', 4),
      };
      models.set(key, found);
    }
    const { model, images } = found;
    timed(name, () => trainingStep(model, images));
    if (process.env['SSDET_BENCH_PROFILE'] === '1' && backend === 'native' && !profiles.has(name)) {
      await profileKernels(name, () => trainingStep(model, images));
    }
  };
}

describe('ResNet-18 training step, batch 8 at 112×112', () => {
  cpuBench('cpu, @ssdet/nn ResNet', resnetBench('cpu', 'nn'), heavy);
  bench('native, @ssdet/nn ResNet', resnetBench('native', 'nn'), light);
  bench('native, fused BatchNorm', resnetBench('native', 'fused-bn'), light);
});
