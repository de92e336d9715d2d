/**
 * `npm run bench -- updates`: the per-variable updates of a training step on one big weight — the
 * 18,432 × 18,432 matrices of DetCo's per-stage MLP heads (`SSDET_BENCH_UPDATE_SIZE` sets the
 * side; the full size needs about 7 GB) — on the `native` backend:
 *
 * - SGD with momentum (`@ssdet/core`'s fused `SsdetSgdUpdate`), allocating new arrays for the
 *   variable and its buffer (as every step did before in-place updates; forced here by holding a
 *   clone of both over the step) and in place;
 * - the momentum (EMA) update of a target network (`@ssdet/nn`'s `momentumUpdate`) as the three
 *   tfjs ops it was, as the fused `SsdetEmaUpdate` allocating, and in place.
 *
 * Wall-clock and process CPU time (user + system: the cores are shared, so CPU seconds say what
 * the work cost when the wall clock includes waiting) per update, median of three after one
 * warm-up. The table goes to stdout and to `bench-results/updates.json`.
 */
import { createOptimizer, selectBackend } from '@ssdet/core';
import { momentumUpdate } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';

import type * as NativePackageModule from '../src/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SIDE = Number(process.env['SSDET_BENCH_UPDATE_SIZE'] ?? 18_432);
const SHAPE = [SIDE, SIDE];
const MOMENTUM = 0.99;

/** One warm-up (it moves the variables onto native outputs), three timed. */
const repeated = { iterations: 3, time: 0, warmupTime: 0, warmupIterations: 1 };

type Variant = 'sgd allocating' | 'sgd in place' | 'ema tf ops' | 'ema allocating' | 'ema in place';

let native: typeof NativePackageModule | undefined;
let unavailable = '';
const timings = new Map<Variant, { ms: number[]; cpuS: number[] }>();

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  try {
    native = await import('../src/index.js');
    await tf.setBackend('native');
  } catch (error) {
    unavailable = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  }
});

/** Times `update` (wall and CPU), recording it under `variant`. */
function timed(variant: Variant, update: () => void): void {
  const cpu = process.cpuUsage();
  const start = performance.now();
  update();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const entry = timings.get(variant) ?? { ms: [], cpuS: [] };
  entry.ms.push(ms);
  entry.cpuS.push((used.user + used.system) / 1e6);
  timings.set(variant, entry);
}

/** Tensors of one case, made on its first call and freed when the suite moves on. */
interface SgdState {
  readonly variable: tf.Variable;
  readonly gradient: tf.Tensor;
  readonly optimizer: ReturnType<typeof createOptimizer>;
}
let sgd: SgdState | undefined;

function sgdBench(variant: 'sgd allocating' | 'sgd in place') {
  return () => {
    if (native === undefined) return;
    if (sgd === undefined) {
      const variable = tf.tidy(() => tf.variable(tf.fill(SHAPE, 0.01)));
      const variables = new Map([['weight', variable]]);
      sgd = {
        variable,
        gradient: tf.fill(SHAPE, 0.001),
        optimizer: createOptimizer(
          {
            type: 'sgd',
            lr: 0.01,
            momentum: 0.9,
            dampening: 0,
            weightDecay: 1e-4,
            nesterov: false,
          },
          [{ name: 'all', variables }],
        ),
      };
    }
    const { variable, gradient, optimizer } = sgd;
    const gradients = new Map([['weight', gradient]]);
    timed(variant, () => {
      // A clone of the variable and its buffer, held over the update, makes it allocate.
      const held =
        variant === 'sgd allocating'
          ? [tf.clone(variable), tf.clone(optimizer.state().get('momentum_buffer/weight')!)]
          : [];
      optimizer.apply(gradients, 0.01);
      tf.dispose(held);
    });
  };
}

let ema: { online: Map<string, tf.Variable>; target: Map<string, tf.Variable> } | undefined;

function emaBench(variant: 'ema tf ops' | 'ema allocating' | 'ema in place') {
  return () => {
    if (native === undefined) return;
    if (ema === undefined) {
      ema = {
        online: new Map([['weight', tf.tidy(() => tf.variable(tf.fill(SHAPE, 0.5)))]]),
        target: new Map([['weight', tf.tidy(() => tf.variable(tf.fill(SHAPE, 0.25)))]]),
      };
    }
    const { online, target } = ema;
    timed(variant, () => {
      if (variant === 'ema tf ops') {
        // The update as it was: three element-wise ops, three new arrays.
        const t = target.get('weight')!;
        const s = online.get('weight')!;
        tf.tidy(() => t.assign(tf.add(tf.mul(t, MOMENTUM), tf.mul(s, 1 - MOMENTUM))));
        return;
      }
      const held = variant === 'ema allocating' ? [tf.clone(target.get('weight')!)] : [];
      momentumUpdate(online, target, MOMENTUM);
      tf.dispose(held);
    });
  };
}

function freeSgd(): void {
  if (sgd === undefined) return;
  sgd.optimizer.dispose();
  tf.dispose([sgd.variable, sgd.gradient]);
  sgd = undefined;
}

describe(`updates of a ${SIDE} × ${SIDE} weight (native)`, () => {
  bench('SGD, allocating', sgdBench('sgd allocating'), repeated);
  bench('SGD, in place', sgdBench('sgd in place'), repeated);
  bench(
    'EMA, three tf ops',
    () => {
      freeSgd();
      emaBench('ema tf ops')();
    },
    repeated,
  );
  bench('EMA, fused, allocating', emaBench('ema allocating'), repeated);
  bench('EMA, fused, in place', emaBench('ema in place'), repeated);
});

afterAll(() => {
  if (native === undefined) {
    process.stdout.write(`\n@ssdet/backend-native updates bench skipped: ${unavailable}\n`);
    return;
  }
  freeSgd();
  if (ema !== undefined) tf.dispose([...ema.online.values(), ...ema.target.values()]);
  const header = `@ssdet/backend-native updates of a ${SIDE} × ${SIDE} float32 weight (${((SIDE * SIDE * 4) / 2 ** 30).toFixed(2)} GiB), ${native.nativeThreads()} threads`;
  const lines = [
    `\n${header}`,
    '',
    '| update | wall ms (median) | CPU s (median) |',
    '|---|---:|---:|',
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [variant, { ms, cpuS }] of timings) {
    lines.push(`| ${variant} | ${median(ms).toFixed(0)} | ${median(cpuS).toFixed(2)} |`);
    rows.push({ variant, ms, cpuS, medianMs: median(ms), medianCpuS: median(cpuS) });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = join(REPO, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'updates.json'), JSON.stringify({ header, rows }, null, 2));
});
