import { Rng, selectBackend } from '@ssdet/core';
import { relativeError } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { detcoObjective, type DetcoObjective } from './detco-objective.js';
import { DETCO_STAGES, DetcoHeads, type DetcoStage } from './heads.js';
import {
  imageMajorToPatchMajor,
  patchMajorToImageMajor,
  readDetcoGolden,
  tensorOf,
  toNchw,
  toNhwc,
} from './test-support/golden.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/**
 * Agreement with tools/reference/detco/make_detco_golden.py, a PyTorch computation of DetCo after
 * the backbones (the paper's equations, the port shuuchen/DetCo.pytorch where the paper is silent)
 * on fixed stage maps, head weights and queues: the twelve per-stage terms, the total, the keys the
 * queues receive, and the gradients w.r.t. the query heads and the query-side maps, within 1e-4
 * relative.
 */
describe('DetCo against the PyTorch reference (fixtures/detco/detco_golden.json)', () => {
  const golden = readDetcoGolden();
  const { N, patches, channels, D, temperature, stageWeights } = golden.config;

  function loadHeads(weights: Record<string, { shape: number[]; data: number[] }>): DetcoHeads {
    const heads = new DetcoHeads({
      channels,
      patches,
      outDim: D,
      hiddenScale: 1,
      rng: Rng.fromSeed(1),
    });
    const variables = heads.variables();
    expect([...variables.keys()].sort()).toEqual(Object.keys(weights).sort());
    for (const [name, variable] of variables) {
      tf.tidy(() => {
        const stored = tensorOf(weights[name]!);
        variable.assign(name.endsWith('.weight') ? tf.transpose(stored) : stored);
      });
    }
    return heads;
  }

  /** Our inputs from the golden ones: NHWC maps, local maps reordered to image-major. */
  function stageMaps(
    stored: { shape: number[]; data: number[] }[],
    local: boolean,
    reorder = true,
  ): Record<DetcoStage, tf.Tensor4D> {
    const out = {} as Record<DetcoStage, tf.Tensor4D>;
    DETCO_STAGES.forEach((stage, i) => {
      out[stage] = tf.tidy(() => {
        const map = toNhwc(tensorOf(stored[i]!));
        return local && reorder
          ? (tf.gather(map, patchMajorToImageMajor(N, patches)) as tf.Tensor4D)
          : map;
      });
    });
    return out;
  }

  function queues(): {
    global: Record<DetcoStage, tf.Tensor2D>;
    local: Record<DetcoStage, tf.Tensor2D>;
  } {
    // The port's [8, D, K] buffer: 0…3 Queue_g of res2…res5, 4…7 Queue_l; ours are [K, D] each.
    const all = tensorOf(golden.inputs.queue);
    const pick = (index: number) =>
      tf.tidy(() =>
        tf.transpose(tf.squeeze(tf.slice(all, [index, 0, 0], [1, -1, -1]), [0])),
      ) as tf.Tensor2D;
    const global = {} as Record<DetcoStage, tf.Tensor2D>;
    const local = {} as Record<DetcoStage, tf.Tensor2D>;
    DETCO_STAGES.forEach((stage, i) => {
      global[stage] = pick(i);
      local[stage] = pick(4 + i);
    });
    all.dispose();
    return { global, local };
  }

  function objective(
    queryHeads: DetcoHeads,
    keyHeads: DetcoHeads,
    query: { global: Record<DetcoStage, tf.Tensor4D>; local: Record<DetcoStage, tf.Tensor4D> },
    key: { global: Record<DetcoStage, tf.Tensor4D>; local: Record<DetcoStage, tf.Tensor4D> },
    queueTensors: ReturnType<typeof queues>,
  ): DetcoObjective {
    return detcoObjective({
      query: { global: queryHeads.global(query.global), local: queryHeads.local(query.local) },
      key: { global: keyHeads.global(key.global), local: keyHeads.local(key.local) },
      queues: queueTensors,
      temperature,
      stageWeights,
    });
  }

  it('gives the same twelve terms, total, queue keys and gradients', () => {
    const queryHeads = loadHeads(golden.inputs.heads_q);
    const keyHeads = loadHeads(golden.inputs.heads_k);
    const toVariables = (maps: Record<DetcoStage, tf.Tensor4D>) => {
      const out = {} as Record<DetcoStage, tf.Variable<tf.Rank.R4>>;
      for (const stage of DETCO_STAGES) {
        out[stage] = tf.variable(maps[stage]);
        maps[stage].dispose();
      }
      return out;
    };
    const queryGlobal = toVariables(stageMaps(golden.inputs.q_global, false));
    const queryLocal = toVariables(stageMaps(golden.inputs.q_local, true));
    const key = {
      global: stageMaps(golden.inputs.k_global, false),
      local: stageMaps(golden.inputs.k_local, true),
    };
    const queueTensors = queues();
    const headVariables = [...queryHeads.variables()];

    const captured: Record<string, tf.Tensor> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = objective(
        queryHeads,
        keyHeads,
        { global: queryGlobal, local: queryLocal },
        key,
        queueTensors,
      );
      DETCO_STAGES.forEach((stage) => {
        for (const term of ['g2g', 'l2l', 'l2g'] as const)
          captured[`${stage}.${term}`] = tf.keep(out.stages[stage][term]);
        captured[`k_global.${stage}`] = tf.keep(out.keys.global[stage]);
        captured[`k_local.${stage}`] = tf.keep(out.keys.local[stage]);
      });
      return out.total;
    }, [
      ...headVariables.map(([, variable]) => variable),
      ...Object.values(queryGlobal),
      ...Object.values(queryLocal),
    ]);

    const out = golden.outputs;
    const relative = (ours: number, theirs: number) => Math.abs(ours - theirs) / Math.abs(theirs);
    expect(relative(value.dataSync()[0]!, out.total)).toBeLessThan(1e-4);
    DETCO_STAGES.forEach((stage, i) => {
      for (const term of ['g2g', 'l2l', 'l2g'] as const) {
        const ours = captured[`${stage}.${term}`]!.dataSync()[0]!;
        expect(relative(ours, out[term][i]!), `${stage} ${term}`).toBeLessThan(1e-4);
      }
      expect(
        relativeError(captured[`k_global.${stage}`]!, tensorOf(out.k_global[i]!)),
      ).toBeLessThan(1e-4);
      expect(relativeError(captured[`k_local.${stage}`]!, tensorOf(out.k_local[i]!))).toBeLessThan(
        1e-4,
      );
    });

    const gradientErrors: Record<string, number> = {};
    for (const [name, variable] of headVariables) {
      gradientErrors[name] = tf.tidy(() => {
        const gradient = grads[variable.name]!;
        return relativeError(
          name.endsWith('.weight') ? tf.transpose(gradient) : gradient,
          tensorOf(out.grad[name]!),
        );
      });
    }
    DETCO_STAGES.forEach((stage, i) => {
      gradientErrors[`q_global.${i}`] = tf.tidy(() =>
        relativeError(
          toNchw(grads[queryGlobal[stage].name]!),
          tensorOf(out.grad[`q_global.${i}`]!),
        ),
      );
      gradientErrors[`q_local.${i}`] = tf.tidy(() =>
        relativeError(
          toNchw(tf.gather(grads[queryLocal[stage].name]!, imageMajorToPatchMajor(N, patches))),
          tensorOf(out.grad[`q_local.${i}`]!),
        ),
      );
    });
    // 4 stages × 2 heads × 4 parameters, and the 8 query-side maps.
    expect(Object.keys(gradientErrors)).toHaveLength(40);
    for (const [name, error] of Object.entries(gradientErrors))
      expect(error, name).toBeLessThan(1e-4);

    tf.dispose([
      value,
      ...Object.values(grads),
      ...Object.values(captured),
      ...Object.values(queryGlobal),
      ...Object.values(queryLocal),
      ...Object.values(key.global),
      ...Object.values(key.local),
      ...Object.values(queueTensors.global),
      ...Object.values(queueTensors.local),
      ...queryHeads.variables().values(),
      ...keyHeads.variables().values(),
    ]);
  });

  it('differs when the patch features are concatenated in the wrong order (the test can tell)', () => {
    const queryHeads = loadHeads(golden.inputs.heads_q);
    const keyHeads = loadHeads(golden.inputs.heads_k);
    const total = tf.tidy(() => {
      // The port's patch-major batch read as if it were image-major.
      const misread = objective(
        queryHeads,
        keyHeads,
        {
          global: stageMaps(golden.inputs.q_global, false),
          local: stageMaps(golden.inputs.q_local, true, false),
        },
        {
          global: stageMaps(golden.inputs.k_global, false),
          local: stageMaps(golden.inputs.k_local, true, false),
        },
        queues(),
      );
      return misread.total.dataSync()[0]!;
    });
    // Ten times the fidelity tolerance: the first test would fail on this mistake.
    expect(Math.abs(total - golden.outputs.total) / golden.outputs.total).toBeGreaterThan(1e-3);
    tf.dispose([...queryHeads.variables().values(), ...keyHeads.variables().values()]);
  });
});
