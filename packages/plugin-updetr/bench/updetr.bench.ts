/**
 * `npm run bench -- updetr`: one UP-DETR pre-training step at the paper's resolution on the best
 * backend that can train a CNN — ResNet-50 (frozen, FrozenBN), pre-norm transformer d = 256,
 * 6 + 6 layers, 100 queries fed by 10 patches of 128×128, heads and Hungarian-matched loss on
 * all 6 decoder layers, backward, clip 0.1, AdamW — on images of 554×416 (the middle scale,
 * shorter side 416, 4:3), as tools/reference/updetr/bench_updetr_torch.py times it in PyTorch.
 *
 * The paper's batch is 32 per GPU (README); on a 2-core CPU one image already takes about a
 * minute (native backend), so the batch is `UPDETR_BENCH_BATCH` (default 1). Images/s are
 * printed at the end; compare with `bench_updetr_torch.py --batch <same>`.
 */
import {
  AdamWOptimizer,
  CNN_TRAINING_KERNELS,
  Rng,
  clipByGlobalNorm,
  createMethod,
  selectBackend,
  type Batch,
  type BackendSelection,
  type BatchedView,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { plugin, updetrConfigSchema, type UpdetrMethod } from '../src/index.js';

const BATCH = Number(process.env['UPDETR_BENCH_BATCH'] ?? 1);
const WIDTH = 554;
const HEIGHT = 416;
const PATCHES = 10;
const PATCH = 128;

let selection: BackendSelection | undefined;
let method: UpdetrMethod | undefined;
let optimizer: AdamWOptimizer | undefined;
let batch: Batch | undefined;
const seconds: number[] = [];

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

beforeAll(async () => {
  selection = await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS });
  method = createMethod(plugin, updetrConfigSchema.parse({}), Rng.fromSeed(0)) as UpdetrMethod;
  optimizer = new AdamWOptimizer([{ name: 'all', variables: method.trainableVariables() }], {
    weightDecay: 1e-4,
  });
  batch = syntheticBatch();
});

afterAll(() => {
  const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)] ?? NaN;
  process.stdout.write(
    `\n@ssdet/plugin-updetr bench on backend "${selection?.backend ?? '?'}": UP-DETR training step, ` +
      `batch ${BATCH} at ${WIDTH}x${HEIGHT} + ${PATCHES} patches of ${PATCH}x${PATCH}: ` +
      `${median.toFixed(2)} s/step, ${(BATCH / median).toFixed(3)} images/s ` +
      `(steps: ${seconds.map((s) => s.toFixed(1)).join(', ')} s)\n`,
  );
});

function trainingStep(): void {
  const m = method!;
  const trainable = m.trainableVariables();
  const byTfName = new Map([...trainable].map(([name, v]) => [v.name, name]));
  const start = performance.now();
  const { value, grads } = tf.variableGrads(
    () => m.loss(batch!, { step: 0, epoch: 0, totalSteps: 1, rng: Rng.fromSeed(1) }).total,
    [...trainable.values()],
  );
  const named = new Map(Object.entries(grads).map(([tfName, g]) => [byTfName.get(tfName)!, g]));
  const { gradients } = clipByGlobalNorm(named, 0.1);
  optimizer!.apply(gradients, 1e-4);
  value.dataSync();
  tf.dispose([value, ...named.values(), ...gradients.values()]);
  seconds.push((performance.now() - start) / 1000);
}

describe(`UP-DETR (ResNet-50, d 256, 6+6 layers, 100 queries), batch ${BATCH} at ${WIDTH}×${HEIGHT}`, () => {
  bench('training step (forward, matching, loss, backward, clip, AdamW)', trainingStep, {
    iterations: 2,
    time: 0,
    warmupTime: 0,
    warmupIterations: 0,
  });
});
