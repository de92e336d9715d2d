/**
 * `npm run bench -- transfer`: one Faster R-CNN R50-FPN training step — batch 2 of 512 × 682
 * images padded to 512 × 704, 4 objects each, 91 classes; torchvision's `fasterrcnn_resnet50_fpn`
 * (FrozenBatchNorm, stem and layer1 frozen, its RPN and RoI-head defaults); forward, the four
 * losses, backward, SGD — on the best backend that can train a CNN, with torchvision's step
 * (`tools/reference/transfer/bench_faster_rcnn_torch.py`) timed in the same run and the ratio
 * printed. Target: at most 1.3× PyTorch's time on `native`.
 */
import {
  CNN_TRAINING_KERNELS,
  Rng,
  selectBackend,
  SgdOptimizer,
  type BackendSelection,
} from '@ssdet/core';
import { ResNet } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, bench, describe } from 'vitest';
import { runPythonReference } from '../../../tools/bench/python-reference.js';
import { FasterRcnn, type DetectionTargets } from '../src/index.js';

const BATCH = 2;
const HEIGHT = 512;
const WIDTH = 682;
const PADDED_WIDTH = 704;

let selection: BackendSelection | undefined;
let detector: FasterRcnn | undefined;
let optimizer: SgdOptimizer | undefined;
let images: tf.Tensor4D | undefined;
let targets: DetectionTargets[] = [];
const seconds: number[] = [];
const cpuSeconds: number[] = [];
let step = 0;

async function setup(): Promise<void> {
  if (detector !== undefined) return;
  selection = await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS });
  const rng = Rng.fromSeed(0);
  const backbone = new ResNet({
    depth: 50,
    normLayer: 'frozen',
    frozenStages: 1,
    rng: rng.fork('backbone'),
  });
  detector = new FasterRcnn(backbone, { numClasses: 91, rng: rng.fork('detector') });
  optimizer = new SgdOptimizer(
    [{ name: 'all', variables: new Map([...detector.variables()].filter(([, v]) => v.trainable)) }],
    { momentum: 0.9, weightDecay: 1e-4 },
  );
  images = tf.tidy(() =>
    tf.pad(tf.randomNormal([BATCH, HEIGHT, WIDTH, 3], 0, 1, 'float32', 1), [
      [0, 0],
      [0, 0],
      [0, PADDED_WIDTH - WIDTH],
      [0, 0],
    ]),
  ) as tf.Tensor4D;
  const draw = Rng.fromSeed(1);
  targets = Array.from({ length: BATCH }, () => {
    const boxes = new Float32Array(16);
    for (let i = 0; i < 4; i++) {
      const [x, y] = [draw.uniform(0, 500), draw.uniform(0, 330)];
      boxes.set([x, y, x + draw.uniform(32, 182), y + draw.uniform(32, 182)], 4 * i);
    }
    return { boxes, labels: Int32Array.from({ length: 4 }, () => draw.int(1, 91)) };
  });
}

async function trainingStep(): Promise<void> {
  await setup();
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const trainable = new Map([...detector!.variables()].filter(([, v]) => v.trainable));
  const ownName = new Map([...trainable].map(([name, variable]) => [variable.name, name]));
  const { value, grads } = tf.variableGrads(() => {
    const losses = detector!.losses(
      {
        images: images!,
        imageSizes: [
          [HEIGHT, WIDTH],
          [HEIGHT, WIDTH],
        ],
      },
      targets,
      Rng.fromSeed(2).fork(`step-${step}`),
    );
    return tf.addN(Object.values(losses)) as tf.Scalar;
  }, [...trainable.values()]);
  optimizer!.apply(
    new Map(Object.entries(grads).map(([tfName, gradient]) => [ownName.get(tfName)!, gradient])),
    0.02,
  );
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  seconds.push((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(startedCpu);
  cpuSeconds.push((cpu.user + cpu.system) / 1e6);
  step += 1;
}

afterAll(() => {
  const mean = (values: number[]): number =>
    values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  const timed = seconds.length > 1 ? seconds.slice(1) : seconds;
  const ours = mean(timed);
  const torch = runPythonReference('tools/reference/transfer/bench_faster_rcnn_torch.py', [
    '--threads',
    '2',
    '--steps',
    '2',
  ]);
  const torchSeconds =
    'stdout' in torch
      ? Number(/seconds=([\d.]+)/.exec(torch.stdout)?.[1] ?? Number.NaN)
      : Number.NaN;
  process.stdout.write(
    `\n@ssdet/transfer bench on backend "${selection?.backend ?? '?'}": Faster R-CNN R50-FPN batch ${BATCH} at ${HEIGHT}×${WIDTH}: ` +
      `${ours.toFixed(2)} s/step (${mean(cpuSeconds.length > 1 ? cpuSeconds.slice(1) : cpuSeconds).toFixed(1)} CPU-s); ` +
      ('stdout' in torch
        ? `torchvision ${torchSeconds.toFixed(2)} s/step; ratio ${(ours / torchSeconds).toFixed(2)}× (target ≤ 1.3×)\n`
        : `torchvision ${torch.skipped}\n`),
  );
  if (images !== undefined) images.dispose();
  // torchvision's steps run here, after ours: minutes on two cores.
}, 1_800_000);

describe('Faster R-CNN R50-FPN, batch 2 at 512×682', () => {
  bench('training step (RPN + RoI heads + backward + SGD)', trainingStep, {
    iterations: 2,
    time: 0,
    warmupTime: 0,
    warmupIterations: 1,
  });
});
