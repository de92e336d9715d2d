import { Rng, selectBackend } from '@ssdet/core';
import { expectClose, relativeError, toTensor } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DinoHead } from './heads.js';
import { readPlrcGolden } from './test-support/golden.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('DinoHead (fcs_2) = official resnet.ProjHead in training mode', () => {
  for (const c of readPlrcGolden().head) {
    it(`${c.l1 ? 'L1 (key, dy=True)' : 'L2'} bottleneck: outputs, gradients and BatchNorm statistics`, () => {
      const head = new DinoHead({
        inDim: 6,
        hiddenDim: 8,
        bottleneckDim: 4,
        outDim: 10,
        rng: Rng.fromSeed(1),
      });
      const variables = head.variables();
      // The script leaves out BatchNorm's num_batches_tracked (both count one forward).
      const named = [...variables].filter(([name]) => !name.endsWith('num_batches_tracked'));
      expect(named.map(([name]) => name).sort()).toEqual(Object.keys(c.weights).sort());
      for (const [name, variable] of named) {
        tf.tidy(() => {
          const stored = toTensor(c.weights[name]!);
          // Linear weights and weight_v are [out, in] in PyTorch, [in, out] here; weight_g is [out, 1].
          const value =
            stored.rank === 2 && !name.endsWith('weight_g') ? tf.transpose(stored) : stored;
          variable.assign(tf.reshape(value, variable.shape));
        });
      }
      expect(variables.get('last_layer.weight_g')!.trainable).toBe(false);
      const x = toTensor<tf.Rank.R2>(c.input);
      const cotangent = toTensor<tf.Rank.R2>(c.cotangent);
      const objective = (input: tf.Tensor2D): tf.Scalar => {
        const out = head.forward(input, { training: true, norm: c.l1 ? 'l1' : 'l2' });
        return tf.add(tf.sum(tf.mul(out.logits, cotangent)), tf.sum(out.bottleneck)) as tf.Scalar;
      };
      const out = head.forward(x, { training: true, norm: c.l1 ? 'l1' : 'l2' });
      expectClose(out.bottleneck, c.bottleneck, 1e-5, { relative: 'tensor', label: 'bottleneck ' });
      expectClose(out.logits, c.logits, 1e-5, { relative: 'tensor', label: 'logits ' });
      // The forward above updated the running statistics once, as the official forward did.
      expectClose(variables.get('mlp.1.running_mean')!, c.runningMean1, 1e-5);
      expectClose(variables.get('mlp.4.running_var')!, c.runningVar4, 1e-5);
      const weightV = variables.get('last_layer.weight_v')!;
      const { grads } = tf.variableGrads(() => objective(x), [weightV]);
      expect(relativeError(tf.transpose(grads[weightV.name]!), c.gradWeightV)).toBeLessThanOrEqual(
        1e-4,
      );
      const [gradInput] = tf.grads((input: tf.Tensor) => objective(input as tf.Tensor2D))([x]);
      expect(relativeError(gradInput!, c.gradInput)).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, cotangent, out.bottleneck, out.logits, ...Object.values(grads), gradInput!]);
      tf.dispose([...variables.values()]);
    });
  }
});
