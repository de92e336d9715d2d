/**
 * `npm run bench -- soco`: one SoCo training step (forward of the online and target networks on
 * V1 224, V2 224 and V3 112 with K = 4 boxes per pair, backward, LARS update, EMA) at the paper's
 * resolution and architecture (ResNet-50, FPN 256 with BN, 4conv1fc head 1024, projector and
 * predictor 4096 → 256, every-level pooling) on the best backend that can train a CNN. Proposals
 * are fixed boxes (Selective Search is not part of the step). Prints images/s.
 *
 * Batch: `SOCO_BENCH_BATCH` (default 8 on a native backend, 1 on tfjs's pure-JS `cpu`, where an
 * R50 step takes more than 12 minutes on a loaded 2-core machine). Compare with `tools/reference/soco/bench_soco_torch.py`.
 */
import {
  createMethod,
  CNN_TRAINING_KERNELS,
  LarsOptimizer,
  Rng,
  collate,
  selectBackend,
  type Batch,
  type BackendSelection,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { socoConfigSchema } from '../src/config.js';
import type { SocoMethod } from '../src/method.js';
import { plugin } from '../src/plugin.js';

let selection: BackendSelection | undefined;
let method: SocoMethod;
let batch: Batch;
let optimizer: LarsOptimizer;
let batchSize = 1;
const seconds: number[] = [];

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

beforeAll(async () => {
  selection = await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS });
  const fromEnv = Number(process.env['SOCO_BENCH_BATCH']);
  batchSize =
    Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : selection.backend === 'cpu' ? 1 : 8;
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
});

afterAll(() => {
  const best = Math.min(...seconds);
  process.stdout.write(
    `\n@ssdet/plugin-soco bench on backend "${selection?.backend ?? '?'}": SoCo R50-FPN step, batch ${batchSize}, ` +
      `${best.toFixed(1)} s/step, ${(batchSize / best).toFixed(3)} images/s (steps: ${seconds.map((s) => s.toFixed(1)).join(', ')})\n`,
  );
});

describe('soco', () => {
  bench(
    'training step (R50-FPN, 224/224/112, K=4, every-level)',
    () => {
      const started = performance.now();
      const trainable = method.trainableVariables();
      const names = new Map([...trainable].map(([name, v]) => [v.name, name]));
      const { value, grads } = tf.variableGrads(
        () => method.loss(batch).total,
        [...trainable.values()],
      );
      const named = new Map(Object.entries(grads).map(([tfName, g]) => [names.get(tfName)!, g]));
      optimizer.apply(named, 0.01);
      method.afterStep({ step: 0, epoch: 0, totalSteps: 100, rng: Rng.fromSeed(0) });
      tf.dispose([value, ...Object.values(grads)]);
      seconds.push((performance.now() - started) / 1000);
    },
    { iterations: 1, time: 0, warmupIterations: 0 },
  );
});
