import { Rng, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseclObjective } from './densecl-objective.js';
import { DenseCLNeck } from './heads.js';
import { relativeError } from '@ssdet/test-support';
import {
  neckParameterKind,
  readDenseclGolden,
  tensorOf,
  toOurLayout,
  toPytorchLayout,
} from './test-support/golden.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/**
 * Agreement with tools/reference/densecl/make_densecl_golden.py, a PyTorch computation following
 * WXinlong/DenseCL's forward_train, DenseCLNeck and ContrastiveHead on fixed C5 maps, neck weights
 * and queues: losses, correspondence, enqueued keys and gradients within 1e-4 relative.
 */
describe('DenseCL against the PyTorch reference (fixtures/densecl/densecl_golden.json)', () => {
  const golden = readDenseclGolden();
  const { C, hidden, D, temperature, lambda } = golden.config;

  function loadNeck(
    weights: Record<string, { shape: number[]; data: number[] }>,
    seed: number,
  ): DenseCLNeck {
    const neck = new DenseCLNeck({
      inChannels: C,
      hiddenDim: hidden,
      outDim: D,
      rng: Rng.fromSeed(seed),
    });
    const variables = neck.variables();
    expect([...variables.keys()].sort()).toEqual(Object.keys(weights).sort());
    for (const [name, variable] of variables) {
      tf.tidy(() =>
        variable.assign(toOurLayout(tensorOf(weights[name]!), neckParameterKind(name))),
      );
    }
    return neck;
  }

  it('gives the same L_q, L_r, total, correspondence, queue keys and gradients', () => {
    const queryNeck = loadNeck(golden.inputs.neck_q, 1);
    const keyNeck = loadNeck(golden.inputs.neck_k, 2);
    const queryC5 = tf.variable(toOurLayout(tensorOf(golden.inputs.q_b), 'map'));
    const keyC5 = toOurLayout(tensorOf(golden.inputs.k_b), 'map') as tf.Tensor4D;
    // The official queues are [D, K]; ours [K, D].
    const queue = tf.transpose(tensorOf(golden.inputs.queue)) as tf.Tensor2D;
    const denseQueue = tf.transpose(tensorOf(golden.inputs.queue2)) as tf.Tensor2D;

    const captured: Record<string, tf.Tensor> = {};
    const neckVariables = [...queryNeck.variables()];
    const { value, grads } = tf.variableGrads(() => {
      const objective = denseclObjective({
        query: { c5: queryC5 as tf.Tensor4D, ...queryNeck.forward(queryC5 as tf.Tensor4D) },
        key: { c5: keyC5, ...keyNeck.forward(keyC5) },
        queue,
        denseQueue,
        temperature,
        lambda,
      });
      for (const name of ['globalLoss', 'denseLoss', 'matches', 'keys', 'denseKeys'] as const)
        captured[name] = tf.keep(objective[name]);
      return objective.total;
    }, [queryC5, ...neckVariables.map(([, variable]) => variable)]);

    const out = golden.outputs;
    expect(Math.abs(value.dataSync()[0]! - out.total)).toBeLessThan(1e-4 * out.total);
    expect(Math.abs(captured['globalLoss']!.dataSync()[0]! - out.loss_single)).toBeLessThan(
      1e-4 * out.loss_single,
    );
    expect(Math.abs(captured['denseLoss']!.dataSync()[0]! - out.loss_dense)).toBeLessThan(
      1e-4 * out.loss_dense,
    );
    expect(Array.from(captured['matches']!.dataSync())).toEqual(out.matches.data);
    expect(relativeError(captured['keys']!, tensorOf(out.k))).toBeLessThan(1e-4);
    expect(relativeError(captured['denseKeys']!, tensorOf(out.k2))).toBeLessThan(1e-4);

    const gradientErrors: Record<string, number> = {};
    for (const [name, variable] of neckVariables) {
      gradientErrors[name] = tf.tidy(() =>
        relativeError(
          toPytorchLayout(grads[variable.name]!, neckParameterKind(name)),
          tensorOf(out.grad[name]!),
        ),
      );
    }
    gradientErrors['q_b'] = tf.tidy(() =>
      relativeError(toPytorchLayout(grads[queryC5.name]!, 'map'), tensorOf(out.grad['q_b']!)),
    );
    expect(Object.keys(gradientErrors)).toHaveLength(9);
    for (const [name, error] of Object.entries(gradientErrors))
      expect(error, name).toBeLessThan(1e-4);

    tf.dispose([
      value,
      ...Object.values(grads),
      ...Object.values(captured),
      queryC5,
      keyC5,
      queue,
      denseQueue,
    ]);
    tf.dispose([...queryNeck.variables().values(), ...keyNeck.variables().values()]);
  });

  it('changes when the correspondence is computed on the projections instead of the backbone (the test can tell)', () => {
    // Matching on the dense projections r, t instead of C5 gives other positives for this fixture.
    const keyNeck = loadNeck(golden.inputs.neck_k, 3);
    const queryNeck = loadNeck(golden.inputs.neck_q, 4);
    const sameMatches = tf.tidy(() => {
      const q = toOurLayout(tensorOf(golden.inputs.q_b), 'map') as tf.Tensor4D;
      const k = toOurLayout(tensorOf(golden.inputs.k_b), 'map') as tf.Tensor4D;
      const onProjections = denseclObjective({
        query: { ...queryNeck.forward(q), c5: queryNeck.forward(q).dense },
        key: { ...keyNeck.forward(k), c5: keyNeck.forward(k).dense },
        queue: tf.transpose(tensorOf(golden.inputs.queue)) as tf.Tensor2D,
        denseQueue: tf.transpose(tensorOf(golden.inputs.queue2)) as tf.Tensor2D,
        temperature,
        lambda,
      });
      return tf.util.arraysEqual(
        Array.from(onProjections.matches.dataSync()),
        golden.outputs.matches.data,
      );
    });
    expect(sameMatches).toBe(false);
    tf.dispose([...queryNeck.variables().values(), ...keyNeck.variables().values()]);
  });
});
