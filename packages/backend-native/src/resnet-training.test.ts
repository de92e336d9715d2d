import { Rng, selectBackend } from '@ssdet/core';
import { ResNet } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectClose,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from './test-support/native-test-support.js';

/** Loss and every trainable variable's gradient of a small ResNet-18 on the active backend. */
function lossAndGrads(net: ResNet, images: tf.Tensor4D): Map<string, Float32Array> {
  const trainable = [...net.trainableVariables()];
  const { value, grads } = tf.variableGrads(
    () => {
      const maps = net.forward(images, { training: true });
      return tf.add(tf.mean(tf.square(maps.C5!)), tf.mean(maps.C3!)) as tf.Scalar;
    },
    trainable.map(([, v]) => v),
  );
  const out = new Map<string, Float32Array>([['loss', value.dataSync() as Float32Array]]);
  for (const [name, variable] of trainable) {
    out.set(name, grads[variable.name]!.dataSync() as Float32Array);
  }
  tf.dispose([value, grads]);
  return out;
}

describe(`a ResNet-18 training step on native${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('gives the loss and gradients of the cpu backend', () => {
    const net = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(7) });
    const images = randomTensor([2, 64, 64, 3], 1) as tf.Tensor4D;
    tf.setBackend('cpu');
    const cpu = lossAndGrads(net, images);
    tf.setBackend('native');
    const native = lossAndGrads(net, images);
    tf.setBackend('cpu');
    expect([...native.keys()]).toEqual([...cpu.keys()]);
    expect(cpu.size).toBeGreaterThan(40);
    for (const [name, expected] of cpu) expectClose(native.get(name)!, expected, 1e-4, `${name}: `);
    images.dispose();
  });

  it.skipIf(!nativeBuilt)('keeps tf.memory() flat over 100 training steps', () => {
    tf.setBackend('native');
    const net = new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(8) });
    const images = randomTensor([2, 32, 32, 3], 2) as tf.Tensor4D;
    const trainable = [...net.trainableVariables().values()];
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(net.forward(images, { training: true }).C5!)) as tf.Scalar,
        trainable,
      );
      tf.tidy(() => {
        for (const v of trainable) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.01)));
      });
      value.dataSync();
      tf.dispose([value, grads]);
    };
    step();
    const before = tf.memory();
    for (let i = 0; i < 100; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    images.dispose();
    tf.setBackend('cpu');
  });
});
