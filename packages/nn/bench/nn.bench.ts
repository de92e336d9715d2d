/**
 * `npm run bench -- nn`: ResNet-18 (batch 8 at 112 px) and ResNet-50 (batch 8 at 224 px) forward
 * passes and training steps (training-mode forward, backward, plain SGD update) on the best
 * available backend that can train a CNN. The first call of each case runs under `tf.profile`, and
 * its peak `tf.memory()` bytes are printed at the end (profiling adds a little time to that call).
 *
 * On tfjs's pure-JS `cpu` backend a ResNet-50 training step takes minutes: it runs once, without
 * warm-up.
 */
import { CNN_TRAINING_KERNELS, Rng, selectBackend, type BackendSelection } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { ResNet, type ResNetDepth } from '../src/index.js';

let selection: BackendSelection | undefined;
const peakBytes = new Map<string, number>();

beforeAll(async () => {
  selection = await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS });
});

afterAll(() => {
  const lines = [
    `\n@ssdet/nn bench on backend "${selection?.backend ?? '?'}" (${selection?.reason ?? ''})`,
    ...[...peakBytes].map(
      ([name, bytes]) => `  ${name.padEnd(34)} peak tf.memory ${(bytes / 2 ** 20).toFixed(0)} MiB`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
});

interface Case {
  readonly net: ResNet;
  readonly images: tf.Tensor4D;
  readonly trainable: tf.Variable[];
}

const cases = new Map<string, Case>();

function setup(depth: ResNetDepth, size: number): Case {
  const key = `${depth}@${size}`;
  let found = cases.get(key);
  if (found === undefined) {
    const net = new ResNet({ depth, rng: Rng.fromSeed(depth) });
    const images = tf.randomNormal<tf.Rank.R4>([8, size, size, 3], 0, 1, 'float32', 1);
    found = { net, images, trainable: [...net.trainableVariables().values()] };
    cases.set(key, found);
  }
  return found;
}

function forward({ net, images }: Case): void {
  tf.tidy(() => {
    const maps = net.forward(images, { training: false });
    maps.C5!.dataSync();
  });
}

function trainingStep({ net, images, trainable }: Case): void {
  const { value, grads } = tf.variableGrads(
    () => tf.mean(tf.square(net.forward(images, { training: true }).C5!)) as tf.Scalar,
    trainable,
  );
  tf.tidy(() => {
    for (const variable of trainable) {
      variable.assign(tf.sub(variable, tf.mul(grads[variable.name]!, 0.01)));
    }
  });
  value.dataSync();
  tf.dispose([value, grads]);
}

/** Runs `run`, under `tf.profile` the first time to record the peak memory of `name`. */
async function measured(name: string, run: () => void): Promise<void> {
  if (peakBytes.has(name)) {
    run();
    return;
  }
  const profile = await tf.profile(run);
  peakBytes.set(name, profile.peakBytes);
}

describe('ResNet-18, batch 8 at 112×112', () => {
  bench(
    'forward (eval)',
    () => measured('resnet18 b8@112 forward', () => forward(setup(18, 112))),
    {
      iterations: 3,
      time: 0,
      warmupTime: 0,
      warmupIterations: 1,
    },
  );
  bench(
    'training step (forward + backward + SGD)',
    () => measured('resnet18 b8@112 training step', () => trainingStep(setup(18, 112))),
    { iterations: 3, time: 0, warmupTime: 0, warmupIterations: 1 },
  );
});

describe('ResNet-50, batch 8 at 224×224', () => {
  bench(
    'forward (eval)',
    () => measured('resnet50 b8@224 forward', () => forward(setup(50, 224))),
    {
      iterations: 2,
      time: 0,
      warmupTime: 0,
      warmupIterations: 1,
    },
  );
  bench(
    'training step (forward + backward + SGD)',
    () => measured('resnet50 b8@224 training step', () => trainingStep(setup(50, 224))),
    { iterations: 1, time: 0, warmupTime: 0, warmupIterations: 0 },
  );
});
