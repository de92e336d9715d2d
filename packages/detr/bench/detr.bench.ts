import * as tf from '@tensorflow/tfjs-core';
import {
  CNN_TRAINING_KERNELS,
  Rng,
  createOptimizer,
  formatKernelProfile,
  profileKernels,
  selectBackend,
  type NamedVariables,
} from '@ssdet/core';
import { ResNet } from '@ssdet/nn';
import { afterAll, bench, describe } from 'vitest';
import { runPythonReference } from '../../../tools/bench/python-reference.js';
import { HungarianMatcher } from '../src/matcher/hungarian-matcher.js';
import { linearSumAssignment } from '../src/matcher/linear-assignment.js';
import type { SetTarget } from '../src/matcher/set-types.js';
import { SetCriterion } from '../src/criterion/set-criterion.js';
import { DeformableTransformer } from '../src/deformable/deformable-transformer.js';
import { MultiLevelInputProjection } from '../src/deformable/multi-level-input-projection.js';
import { sinePositionEmbedding } from '../src/position/sine-position-embedding.js';
import { DetectionHead } from '../src/transformer/detection-head.js';
import { InputProjection } from '../src/transformer/input-projection.js';
import { QueryEmbedding } from '../src/transformer/query-embedding.js';
import { Transformer } from '../src/transformer/transformer.js';
import { TransformerDecoder } from '../src/transformer/decoder.js';

// `npm run bench -- detr`. Backend: SSDET_BENCH_BACKEND (default native, with CNN training
// kernels; falls back to auto with a note). PyTorch's numbers for the two training steps come
// from `tools/reference/detr/bench_detr_torch.py`, run first in the same process when
// /usr/bin/python3 (or SSDET_BENCH_PYTHON) has torch; SSDET_BENCH_TORCH=0 skips it. Step times
// are medians after the first (warm-up) step, on both sides.
const requestedBackend = process.env['SSDET_BENCH_BACKEND'] ?? 'native';
let backendNote: string;
try {
  await selectBackend({
    request: requestedBackend as 'native',
    requiredKernels: CNN_TRAINING_KERNELS,
  });
  backendNote = `backend ${tf.getBackend()}`;
} catch (error) {
  const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  await selectBackend({ request: 'auto' });
  backendNote = `backend ${tf.getBackend()} (${requestedBackend} failed: ${reason})`;
}

const BATCH = 2;
const SIZE = 480;
const NUM_CLASSES = 91;
const BOXES_PER_IMAGE = 5;
const stepSeconds = new Map<string, number[]>();
const torch = runTorchBench();

/** PyTorch's step times by model name, or why there are none. */
function runTorchBench(): { seconds: Record<string, number>; note: string } {
  const run = runPythonReference('tools/reference/detr/bench_detr_torch.py', ['--json']);
  if ('skipped' in run) return { seconds: {}, note: run.skipped };
  const parsed = JSON.parse(run.stdout) as Record<string, number | string>;
  const seconds = Object.fromEntries(
    Object.entries(parsed).filter(
      (entry): entry is [string, number] => entry[0] !== 'threads' && typeof entry[1] === 'number',
    ),
  );
  return {
    seconds,
    note: `PyTorch ${String(parsed['torch'])}, ${String(parsed['threads'])} threads`,
  };
}

afterAll(() => {
  const lines = [
    `\n@ssdet/detr training steps, batch ${BATCH}, ${SIZE} px, ${backendNote}; PyTorch: ${torch.note}`,
  ];
  for (const [name, all] of stepSeconds) {
    const timed = all.length > 1 ? all.slice(1) : all;
    const seconds = [...timed].sort((a, b) => a - b)[Math.floor(timed.length / 2)]!;
    const reference = torch.seconds[name];
    const versus =
      reference === undefined
        ? ''
        : `   PyTorch ${reference.toFixed(2)} s/step, ratio ${(seconds / reference).toFixed(2)}×`;
    lines.push(
      `  ${name.padEnd(30)} ${seconds.toFixed(2).padStart(7)} s/step ${(BATCH / seconds).toFixed(3).padStart(7)} images/s${versus}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
});

/** With SSDET_BENCH_PROFILE=1, one more step under tf.profile, its heaviest kernels printed. */
async function profileOnce(name: string, run: () => void): Promise<void> {
  if (process.env['SSDET_BENCH_PROFILE'] !== '1') return;
  const lines = formatKernelProfile(await profileKernels(run), 20);
  process.stderr.write(`${name}, where the time goes:\n${lines.join('\n')}\n`);
}

/** Keeps the step time and prints it at once (a step can take minutes). */
function record(name: string, start: number): void {
  const seconds = (performance.now() - start) / 1000;
  stepSeconds.set(name, [...(stepSeconds.get(name) ?? []), seconds]);
  process.stderr.write(`${name}: ${seconds.toFixed(2)} s/step (${backendNote})\n`);
}

/** Random images and BOXES_PER_IMAGE random cxcywh boxes per image (kept for the whole run). */
function randomBatch(seed: number): { images: tf.Tensor4D; targets: SetTarget[] } {
  const images = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
  const targets = Array.from({ length: BATCH }, (_, b) => {
    const boxes = tf.tidy(() => {
      const centres = tf.randomUniform([BOXES_PER_IMAGE, 2], 0.25, 0.75, 'float32', seed + b);
      const sizes = tf.randomUniform([BOXES_PER_IMAGE, 2], 0.05, 0.45, 'float32', seed + 10 + b);
      return tf.concat([centres, sizes], 1) as tf.Tensor2D;
    });
    const labels = Int32Array.from(
      { length: BOXES_PER_IMAGE },
      (_, i) => (i * 17 + b) % NUM_CLASSES,
    );
    return { labels, boxes };
  });
  return { images, targets };
}

/** One group of all trainable variables, with each component's names prefixed. */
function prefixed(
  parts: readonly (readonly [string, { variables(): NamedVariables }])[],
): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [prefix, part] of parts) {
    for (const [name, variable] of part.variables()) {
      if (variable.trainable) out.set(`${prefix}.${name}`, variable);
    }
  }
  return out;
}

/**
 * variableGrads over `trainable`, then one AdamW update; gradients keyed by our names.
 * The frozen backbone runs outside the tape (as `requires_grad = False` in PyTorch).
 */
function trainingStep(
  trainable: ReadonlyMap<string, tf.Variable>,
  optimizer: { apply(gradients: ReadonlyMap<string, tf.Tensor>, lr: number): void },
  loss: () => tf.Scalar,
): void {
  const variables = [...trainable.values()];
  const { value, grads } = tf.variableGrads(loss, variables);
  const byName = new Map<string, tf.Tensor>();
  for (const [name, variable] of trainable) {
    const gradient = grads[variable.name];
    if (gradient !== undefined) byName.set(name, gradient);
  }
  optimizer.apply(byName, 1e-4);
  value.dispose();
  tf.dispose(grads);
}

// torch.optim.AdamW's defaults with DETR's lr and weight decay.
const ADAMW = {
  type: 'adamw',
  lr: 1e-4,
  weightDecay: 1e-4,
  betas: [0.9, 0.999],
  eps: 1e-8,
  amsgrad: false,
} as const satisfies Parameters<typeof createOptimizer>[0];

// One warm-up step (oneDNN primitives are created on first use) and two timed ones.
const HEAVY = { iterations: 2, time: 0, warmupIterations: 1 } as const;

describe(`DETR training step: frozen ResNet-50, 6/6 layers, d 256, 100 queries, batch ${BATCH}, ${SIZE} px`, () => {
  const rng = Rng.fromSeed(11);
  const backbone = new ResNet({ depth: 50, normLayer: 'frozen', frozenStages: 4, rng });
  const proj = new InputProjection(2048, 256, rng);
  const queries = new QueryEmbedding(100, 256, rng);
  const transformer = new Transformer({
    dModel: 256,
    numHeads: 8,
    dimFeedforward: 2048,
    numEncoderLayers: 6,
    numDecoderLayers: 6,
    rng,
  });
  const head = new DetectionHead({ dModel: 256, numLogits: NUM_CLASSES + 1, rng });
  const criterion = new SetCriterion({
    numClasses: NUM_CLASSES,
    matcher: new HungarianMatcher(),
    eosCoef: 0.1,
    weights: { class: 1, bbox: 5, giou: 2 },
  });
  const trainable = prefixed([
    ['input_proj', proj],
    ['query_embed', queries],
    ['transformer', transformer],
    ['head', head],
  ]);
  const optimizer = createOptimizer(ADAMW, [{ name: 'detr', variables: trainable }]);
  const { images, targets } = randomBatch(21);
  bench(
    'DETR forward + backward + AdamW',
    () => {
      const start = performance.now();
      const c5 = tf.tidy(() => backbone.forward(images, { training: false })['C5']!);
      const pixelMask = tf.ones([BATCH, c5.shape[1], c5.shape[2]]) as tf.Tensor3D;
      const pos = sinePositionEmbedding(pixelMask);
      trainingStep(trainable, optimizer, () => {
        const { hs } = transformer.apply({
          src: proj.apply(c5),
          pixelMask,
          pos,
          queryPos: queries.embeddings,
          training: true,
          rng,
        });
        return criterion.compute(head.apply(hs), targets).total;
      });
      tf.dispose([c5, pixelMask, pos]);
      record('DETR', start);
    },
    HEAVY,
  );
});

describe(`Deformable DETR training step: frozen ResNet-50, 4 levels, 300 queries, batch ${BATCH}, ${SIZE} px`, () => {
  const rng = Rng.fromSeed(12);
  const d = 256;
  const backbone = new ResNet({ depth: 50, normLayer: 'frozen', frozenStages: 4, rng });
  const inputProjection = new MultiLevelInputProjection({
    backboneChannels: [512, 1024, 2048],
    dModel: d,
    numLevels: 4,
    rng,
  });
  const queries = new QueryEmbedding(300, 2 * d, rng);
  const transformer = new DeformableTransformer({
    dModel: d,
    numHeads: 8,
    dimFeedforward: 1024,
    numLevels: 4,
    numPoints: 4,
    rng,
  });
  const head = new DetectionHead({
    dModel: d,
    numLogits: NUM_CLASSES,
    rng,
    deformableInit: true,
  });
  const criterion = new SetCriterion({
    numClasses: NUM_CLASSES,
    matcher: new HungarianMatcher({ classCost: 'focal', costClass: 2, costBbox: 5, costGiou: 2 }),
    classLoss: 'focal',
    weights: { class: 2, bbox: 5, giou: 2 },
  });
  const trainable = prefixed([
    ['input_proj', inputProjection],
    ['query_embed', queries],
    ['transformer', transformer],
    ['head', head],
  ]);
  const optimizer = createOptimizer(ADAMW, [{ name: 'deformable-detr', variables: trainable }]);
  const { images, targets } = randomBatch(31);
  const step = (): void => {
    const features = tf.tidy(() => {
      const maps = backbone.forward(images, { training: false });
      return [maps['C3']!, maps['C4']!, maps['C5']!];
    });
    const pixelMasks = [...features, features[2]!].map((f, level) => {
      const [h, w] =
        level < 3
          ? [f.shape[1], f.shape[2]]
          : [Math.ceil(f.shape[1] / 2), Math.ceil(f.shape[2] / 2)];
      return tf.ones([BATCH, h, w]) as tf.Tensor3D;
    });
    const posEmbeds = pixelMasks.map((m) => sinePositionEmbedding(m, { offset: -0.5 }));
    trainingStep(trainable, optimizer, () => {
      const srcs = inputProjection.apply(features);
      const { hs, referencePoints } = transformer.apply({
        srcs,
        pixelMasks,
        posEmbeds,
        queryEmbed: queries.embeddings,
        training: true,
        rng,
      });
      return criterion.compute(head.apply(hs, referencePoints), targets).total;
    });
    tf.dispose([...features, ...pixelMasks, ...posEmbeds]);
  };
  bench(
    'Deformable DETR forward + backward + AdamW',
    async () => {
      const start = performance.now();
      step();
      record('Deformable DETR (4 levels)', start);
      await profileOnce('Deformable DETR (4 levels)', step);
    },
    HEAVY,
  );
});

function randomCosts(rows: number, cols: number, seed: number): Float64Array {
  const rng = Rng.fromSeed(seed);
  return Float64Array.from({ length: rows * cols }, () => rng.normal());
}

describe('Hungarian matcher (linearSumAssignment, float64)', () => {
  const small = randomCosts(100, 20, 1);
  const large = randomCosts(300, 50, 2);
  bench('100 queries × 20 targets', () => {
    linearSumAssignment(small, 100, 20);
  });
  bench('300 queries × 50 targets', () => {
    linearSumAssignment(large, 300, 50);
  });
});

describe('DETR decoder, d 256, 8 heads, FFN 2048, 6 layers, 100 queries, 16×16 memory, batch 2', () => {
  const rng = Rng.fromSeed(3);
  const d = 256;
  const decoder = new TransformerDecoder({
    dModel: d,
    numHeads: 8,
    dimFeedforward: 2048,
    numLayers: 6,
    rng,
  });
  const queries = new QueryEmbedding(100, d, rng);
  const memory = tf.randomNormal([2, 256, d], 0, 1, 'float32', 4) as tf.Tensor3D;
  const pos = tf.reshape(
    sinePositionEmbedding(tf.ones([2, 16, 16]) as tf.Tensor3D, { numPosFeats: d / 2 }),
    [2, 256, d],
  ) as tf.Tensor3D;
  const trainable = [...decoder.variables().values(), ...queries.variables().values()];
  bench(
    'forward + backward (training, dropout 0.1)',
    () => {
      const { value, grads } = tf.variableGrads(() => {
        const queryPos = tf.broadcastTo(tf.expandDims(queries.embeddings, 0), [2, 100, d]);
        const hs = decoder.apply(tf.zeros([2, 100, d]) as tf.Tensor3D, memory, {
          training: true,
          rng,
          pos,
          queryPos,
        });
        return tf.mean(tf.square(hs)) as tf.Scalar;
      }, trainable);
      value.dispose();
      tf.dispose(grads);
    },
    { iterations: 2, time: 0, warmupIterations: 1 },
  );
});
