import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './register-gradients.js';
import { selectBackend } from './select-backend.js';
import { recordingGradients, withoutGradients } from './without-gradients.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('withoutGradients', () => {
  it('makes what it computes a constant of the surrounding gradient', () => {
    const x = tf.scalar(3);
    // d/dx [x² · stop(x²)] = 2x · x² = 54 at x = 3; with the gradient through both, 4x³ = 108.
    const gradient = tf.grad((v: tf.Tensor) => {
      expect(recordingGradients()).toBe(true);
      const constant = withoutGradients(() => {
        expect(recordingGradients()).toBe(false);
        return tf.square(v);
      });
      expect(recordingGradients()).toBe(true);
      return tf.mul(tf.square(v), constant);
    })(x);
    expect(gradient.dataSync()[0]).toBe(54);
    expect(recordingGradients()).toBe(false);
    tf.dispose([x, gradient]);
  });

  it('restores recording when its function throws', () => {
    const x = tf.scalar(2);
    const gradient = tf.grad((v: tf.Tensor) => {
      expect(() =>
        withoutGradients(() => {
          throw new Error('inside');
        }),
      ).toThrow('inside');
      return tf.square(v);
    })(x);
    expect(gradient.dataSync()[0]).toBe(4);
    tf.dispose([x, gradient]);
  });
});
