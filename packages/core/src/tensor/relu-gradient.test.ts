import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './register-gradients.js';
import { reluGradientFromOutput } from './relu-gradient.js';
import { selectBackend } from './select-backend.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('ReLU gradient from the output', () => {
  it('is the registered Relu gradient, saving the output rather than the input', () => {
    expect(tf.getGradient(tf.Relu)).toBe(reluGradientFromOutput);
    expect(reluGradientFromOutput.outputsToSave).toEqual([true]);
    expect(reluGradientFromOutput.inputsToSave).toBeUndefined();
  });

  it('equals dy · step(x), zero at x = 0', () => {
    tf.tidy(() => {
      const x = tf.tensor([-2, -0.5, 0, 0.25, 3]);
      const dy = tf.tensor([1, 2, 3, 4, 5]);
      const [dx] = tf.grads((v: tf.Tensor) => tf.relu(v))([x], dy);
      expect(Array.from(dx!.dataSync())).toEqual([0, 0, 0, 4, 5]);
    });
  });

  it('lets the input go when only the ReLU used it', () => {
    const x = tf.variable(tf.randomNormal([4, 4]));
    const inputs: tf.Tensor[] = [];
    const { grads } = tf.variableGrads(() => {
      const input = tf.mul(x, 2);
      inputs.push(input);
      const y = tf.relu(input);
      // The ReLU's input is disposed inside the forward pass; backprop still works.
      input.dispose();
      return tf.sum(y) as tf.Scalar;
    }, [x]);
    expect(inputs[0]!.isDisposed).toBe(true);
    expect(grads[x.name]!.shape).toEqual([4, 4]);
    tf.dispose([x, grads]);
  });
});
