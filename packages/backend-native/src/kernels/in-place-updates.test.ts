import { createOptimizer, selectBackend, type OptimizerConfig } from '@ssdet/core';
import { momentumUpdate } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NativeBackend } from '../native-backend.js';
import {
  NATIVE_SUITE_NOTE,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
  randomValues,
} from '../test-support/native-test-support.js';

const CONFIGS: readonly [string, OptimizerConfig][] = [
  [
    'SGD',
    { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 1e-4 },
  ],
  [
    'LARS',
    { type: 'lars', lr: 0.5, momentum: 0.9, weightDecay: 1e-5, trustCoefficient: 0.001, eps: 1e-8 },
  ],
  [
    'AdamW',
    { type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, amsgrad: false },
  ],
];

const SHAPES: ReadonlyMap<string, number[]> = new Map([
  ['weight', [6, 5]],
  ['bias', [5]],
]);

function backend(): NativeBackend {
  return tf.findBackend('native') as NativeBackend;
}

/** The array backing `tensor` in the native backend's storage. */
function storage(tensor: tf.Tensor): unknown {
  return backend().data.get(tensor.dataId).values;
}

/** A copy of `tensor`'s values, read without `dataSync` (which pins the array: no in-place). */
function peek(tensor: tf.Tensor): Float32Array {
  return Float32Array.from(storage(tensor) as Float32Array);
}

function makeVariables(seed: number): Map<string, tf.Variable> {
  return new Map(
    [...SHAPES].map(([name, shape], i) => [
      name,
      tf.tidy(() => tf.variable(randomTensor(shape, seed + i))),
    ]),
  );
}

/** Steps of an optimizer; with `aliased`, a clone of every variable and slot is held over each step. */
function train(config: OptimizerConfig, steps: number, aliased: boolean): Float32Array[] {
  const variables = makeVariables(1);
  const optimizer = createOptimizer(config, [{ name: 'all', variables }]);
  for (let step = 0; step < steps; step++) {
    const held = aliased
      ? [...variables.values(), ...optimizer.state().values()].map((v) => tf.clone(v))
      : [];
    const gradients = new Map(
      [...variables].map(([name, v], i) => [name, randomTensor(v.shape, 10 * step + i)]),
    );
    optimizer.apply(gradients, config.lr);
    tf.dispose([...gradients.values(), ...held]);
  }
  const values = [...variables.values(), ...optimizer.state().values()].map((v) =>
    Float32Array.from(v.dataSync()),
  );
  optimizer.dispose();
  tf.dispose([...variables.values()]);
  return values;
}

/** Steps of the momentum update of a target towards changing online values. */
function emaSteps(momentum: number, steps: number, aliased: boolean): Float32Array[] {
  const online = makeVariables(1);
  const target = makeVariables(7);
  for (let step = 0; step < steps; step++) {
    const held = aliased ? [...target.values()].map((v) => tf.clone(v)) : [];
    momentumUpdate(online, target, momentum);
    tf.dispose(held);
    for (const [name, v] of online) {
      tf.tidy(() => v.assign(randomTensor(SHAPES.get(name)!, 20 + step)));
    }
  }
  const values = [...target.values()].map((v) => Float32Array.from(v.dataSync()));
  tf.dispose([...online.values(), ...target.values()]);
  return values;
}

/** The largest distance, in units in the last place, between two float32 arrays. */
function maxUlps(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const ia = new Int32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Int32Array(b.buffer, b.byteOffset, b.length);
  // Maps float order onto integer order, so that adjacent floats differ by 1 across zero too.
  const ordered = (bits: number) => (bits < 0 ? -0x80000000 - bits : bits);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(ordered(ia[i]!) - ordered(ib[i]!)));
  }
  return worst;
}

describe(`native in-place updates and the fused EMA${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) {
      await loadNativePackage();
      tf.setBackend('native');
    }
  });
  afterAll(() => {
    tf.setBackend('cpu');
  });

  for (const [name, config] of CONFIGS) {
    it.skipIf(!nativeBuilt)(`${name}: updates a variable nothing else holds in place`, () => {
      const variables = makeVariables(1);
      const optimizer = createOptimizer(config, [{ name: 'all', variables }]);
      const step = (seed: number) => {
        const gradients = new Map(
          [...variables].map(([key, v], i) => [key, randomTensor(v.shape, seed + i)]),
        );
        optimizer.apply(gradients, config.lr);
        tf.dispose([...gradients.values()]);
      };
      step(10); // the first step moves the variable and slots onto native outputs
      const tensors = [...variables.values(), ...optimizer.state().values()];
      const arrays = tensors.map(storage);
      const dataIds = tensors.map((t) => t.dataId);
      const before = tensors.map(peek);
      const numTensors = tf.memory().numTensors;
      step(20);
      step(30);
      const after = [...variables.values(), ...optimizer.state().values()];
      expect(after.map(storage)).toEqual(arrays);
      after.forEach((t, i) => {
        expect(t.dataId).toBe(dataIds[i]);
        expect(storage(t)).toBe(arrays[i]);
      });
      // The values did change, in those same arrays.
      expect(Float32Array.from(after[0]!.dataSync())).not.toEqual(before[0]);
      expect(tf.memory().numTensors).toBe(numTensors);
      optimizer.dispose();
      tf.dispose([...variables.values()]);
    });

    it.skipIf(!nativeBuilt)(`${name}: in place equals the allocating update bit for bit`, () => {
      const inPlace = train(config, 4, false);
      const allocating = train(config, 4, true);
      expect(inPlace.length).toBe(allocating.length);
      inPlace.forEach((values, i) => expect(values).toEqual(allocating[i]));
    });
  }

  it.skipIf(!nativeBuilt)('a clone taken before a step keeps the old values', () => {
    const config = CONFIGS[0]![1];
    const variables = makeVariables(1);
    const optimizer = createOptimizer(config, [{ name: 'all', variables }]);
    const weight = variables.get('weight')!;
    const step = (seed: number) => {
      const gradients = new Map(
        [...variables].map(([key, v]) => [key, randomTensor(v.shape, seed)]),
      );
      optimizer.apply(gradients, config.lr);
      tf.dispose([...gradients.values()]);
    };
    step(1);
    step(2); // now in place
    const snapshot = tf.clone(weight);
    const buffer = tf.clone(optimizer.state().get('momentum_buffer/weight')!);
    const old = peek(weight);
    const oldBuffer = peek(buffer);
    const oldArray = storage(weight);
    step(3);
    expect(Float32Array.from(snapshot.dataSync())).toEqual(old);
    expect(Float32Array.from(buffer.dataSync())).toEqual(oldBuffer);
    expect(storage(weight)).not.toBe(oldArray);
    expect(Float32Array.from(weight.dataSync())).not.toEqual(old);
    tf.dispose([snapshot, buffer]);
    // The same for the EMA: a clone of a target variable keeps its values.
    const target = makeVariables(5);
    momentumUpdate(variables, target, 0.9);
    const bias = target.get('bias')!;
    const biasArray = storage(bias);
    momentumUpdate(variables, target, 0.9);
    expect(storage(bias)).toBe(biasArray); // in place from here on
    const targetSnapshot = tf.clone(bias);
    const targetOld = peek(targetSnapshot);
    momentumUpdate(variables, target, 0.9);
    expect(Float32Array.from(targetSnapshot.dataSync())).toEqual(targetOld);
    expect(Float32Array.from(target.get('bias')!.dataSync())).not.toEqual(targetOld);
    tf.dispose([targetSnapshot, ...target.values(), ...variables.values()]);
    optimizer.dispose();
  });

  it.skipIf(!nativeBuilt)('a variable read out with dataSync is not overwritten', () => {
    const online = makeVariables(1);
    const target = makeVariables(5);
    momentumUpdate(online, target, 0.5); // onto native outputs
    const read = target.get('weight')!.dataSync() as Float32Array;
    const copy = Float32Array.from(read);
    momentumUpdate(online, target, 0.5);
    expect(read).toEqual(copy);
    tf.dispose([...online.values(), ...target.values()]);
  });

  for (const momentum of [0.99, 0.9, 0.5]) {
    it.skipIf(!nativeBuilt)(`EMA (m = ${momentum}) in one addon call equals the tf ops`, () => {
      const emaUpdate = vi.spyOn(backend().addon, 'emaUpdate');
      const size = 4099;
      const t = tf.tensor1d(randomValues(size, 3));
      const s = tf.tensor1d(randomValues(size, 4).map((v) => v * 100));
      const target = new Map([['w', tf.variable(t)]]);
      const online = new Map([['w', tf.variable(s)]]);
      const reference = (backendName: string) => {
        tf.setBackend(backendName);
        const a = tf.tensor1d(randomValues(size, 3));
        const b = tf.tensor1d(randomValues(size, 4).map((v) => v * 100));
        const out = tf.add(tf.mul(a, momentum), tf.mul(b, 1 - momentum));
        const values = Float32Array.from(out.dataSync());
        tf.dispose([a, b, out]);
        tf.setBackend('native');
        return values;
      };
      momentumUpdate(online, target, momentum);
      expect(emaUpdate).toHaveBeenCalledTimes(1);
      emaUpdate.mockRestore();
      const fused = Float32Array.from(target.get('w')!.dataSync());
      expect(maxUlps(fused, reference('native'))).toBe(0);
      expect(maxUlps(fused, reference('cpu'))).toBeLessThanOrEqual(1);
      tf.dispose([t, s, ...target.values(), ...online.values()]);
    });
  }

  it.skipIf(!nativeBuilt)('EMA in place equals the allocating EMA and leaks nothing', () => {
    const numTensors = tf.memory().numTensors;
    const inPlace = emaSteps(0.99, 4, false);
    const allocating = emaSteps(0.99, 4, true);
    inPlace.forEach((values, i) => expect(values).toEqual(allocating[i]));
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
