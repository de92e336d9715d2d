import { selectBackend } from '@ssdet/core';
import { l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcoObjective, type DetcoObjectiveInputs } from './detco-objective.js';
import { DETCO_STAGES, type DetcoStage } from './heads.js';
import { globalToGlobalLoss } from './losses/global-to-global-loss.js';
import { localToGlobalLoss } from './losses/local-to-global-loss.js';
import { localToLocalLoss } from './losses/local-to-local-loss.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

let seed = 0;
const perStage = (rows: number) => {
  const out = {} as Record<DetcoStage, tf.Tensor2D>;
  for (const stage of DETCO_STAGES)
    out[stage] = tf.randomNormal([rows, 4], 0, 1, 'float32', ++seed) as tf.Tensor2D;
  return out;
};
const queues = () => {
  const normalized = (rows: Record<DetcoStage, tf.Tensor2D>) => {
    for (const stage of DETCO_STAGES) {
      const raw = rows[stage];
      rows[stage] = l2Normalize(raw, 1);
      raw.dispose();
    }
    return rows;
  };
  return { global: normalized(perStage(6)), local: normalized(perStage(6)) };
};

describe('detcoObjective', () => {
  let inputs: DetcoObjectiveInputs;
  beforeAll(() => {
    inputs = {
      query: { global: perStage(3), local: perStage(3) },
      key: { global: perStage(3), local: perStage(3) },
      queues: queues(),
      temperature: 0.2,
      stageWeights: [0.1, 0.4, 0.7, 1.0],
    };
  });
  afterAll(() => {
    tf.dispose(
      [inputs.query, inputs.key, inputs.queues].flatMap((pair) => [
        ...Object.values(pair.global),
        ...Object.values(pair.local),
      ]),
    );
  });

  it('is Σ_i w_i (L_g↔g + L_l↔l + L_l↔g) on the normalised embeddings, twelve weighted terms', () => {
    const before = tf.memory().numTensors;
    const objective = detcoObjective(inputs);
    const read = (x: tf.Tensor) => x.dataSync()[0]!;
    let expectedTotal = 0;
    DETCO_STAGES.forEach((stage, i) => {
      const [g2g, l2l, l2g] = tf.tidy(() => {
        const n = (x: tf.Tensor2D) => l2Normalize(x, 1);
        const { query, key, queues: q } = inputs;
        return [
          read(
            globalToGlobalLoss(n(query.global[stage]), n(key.global[stage]), q.global[stage], 0.2),
          ),
          read(localToLocalLoss(n(query.local[stage]), n(key.local[stage]), q.local[stage], 0.2)),
          read(
            localToGlobalLoss(n(query.local[stage]), n(key.global[stage]), q.global[stage], 0.2),
          ),
        ];
      });
      expect(read(objective.stages[stage].g2g)).toBeCloseTo(g2g, 5);
      expect(read(objective.stages[stage].l2l)).toBeCloseTo(l2l, 5);
      expect(read(objective.stages[stage].l2g)).toBeCloseTo(l2g, 5);
      const w = inputs.stageWeights[i]!;
      expect(read(objective.terms[`${stage}_g2g`]!)).toBeCloseTo(w * g2g, 5);
      expect(read(objective.terms[`${stage}_l2g`]!)).toBeCloseTo(w * l2g, 5);
      expectedTotal += w * (g2g + l2l + l2g);
    });
    expect(Object.keys(objective.terms)).toHaveLength(12);
    expect(read(objective.total)).toBeCloseTo(expectedTotal, 4);
    // The keys for the queues are the key encoder's embeddings, unit length.
    const norms = tf.tidy(() => tf.norm(objective.keys.local.res4, 2, 1).arraySync() as number[]);
    norms.forEach((norm) => expect(norm).toBeCloseTo(1, 5));
    tf.dispose(objective as unknown as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights the stages: w = (0, 0, 0, 1) leaves res5 alone', () => {
    const full = detcoObjective(inputs);
    const onlyRes5 = detcoObjective({ ...inputs, stageWeights: [0, 0, 0, 1] });
    const res5 = tf.tidy(
      () =>
        tf.addN([full.stages.res5.g2g, full.stages.res5.l2l, full.stages.res5.l2g]).dataSync()[0]!,
    );
    expect(onlyRes5.total.dataSync()[0]).toBeCloseTo(res5, 5);
    tf.dispose([full, onlyRes5] as unknown as tf.TensorContainer);
  });
});
