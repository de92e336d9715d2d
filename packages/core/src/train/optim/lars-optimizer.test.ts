import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tensor/select-backend.js';
import { LarsOptimizer } from './lars-optimizer.js';
import { disposeAll, valuesOf, variableOf } from './test-support/variables.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

function apply(
  optimizer: LarsOptimizer,
  gradients: Record<string, [number[], number[]]>,
  lr: number,
): void {
  const tensors = new Map(
    Object.entries(gradients).map(([name, [values, shape]]) => [name, tf.tensor(values, shape)]),
  );
  optimizer.apply(tensors, lr);
  disposeAll(tensors.values());
}

describe('LarsOptimizer', () => {
  it('adds weight decay, then scales by η‖w‖/(‖g‖+ε), then momentum, then lr (hand-computed)', () => {
    // w = [[3, 4]] (‖w‖ = 5), g = [[0.5, -1]]; λ = 0.1 → g' = [0.8, -0.6], ‖g'‖ = 1.
    const w = variableOf([3, 4], [1, 2]);
    const optimizer = new LarsOptimizer([{ name: 'all', variables: new Map([['w', w]]) }], {
      momentum: 0.9,
      weightDecay: 0.1,
      trustCoefficient: 0.01,
      eps: 0,
    });
    // ratio = 0.01·5/1 = 0.05 → g'' = [0.04, -0.03] = b; w − 2·b.
    apply(
      optimizer,
      {
        w: [
          [0.5, -1],
          [1, 2],
        ],
      },
      2,
    );
    expect(valuesOf(w)[0]).toBeCloseTo(3 - 0.08, 6);
    expect(valuesOf(w)[1]).toBeCloseTo(4 + 0.06, 6);
    expect(valuesOf(optimizer.state().get('momentum_buffer/w')!)[0]).toBeCloseTo(0.04, 7);
    optimizer.dispose();
    w.dispose();
  });

  it('leaves biases and norm parameters (≤ 1 dimension) without weight decay or trust ratio', () => {
    const kernel = variableOf([3, 4], [1, 1, 1, 2]);
    const bias = variableOf([3, 4], [2]);
    const optimizer = new LarsOptimizer(
      [
        {
          name: 'all',
          variables: new Map([
            ['conv.weight', kernel],
            ['bn.bias', bias],
          ]),
        },
      ],
      { momentum: 0, weightDecay: 0.1, trustCoefficient: 0.01, eps: 0 },
    );
    expect(optimizer.isAdapted('conv.weight')).toBe(true);
    expect(optimizer.isAdapted('bn.bias')).toBe(false);
    apply(
      optimizer,
      {
        'conv.weight': [
          [0.5, -1],
          [1, 1, 1, 2],
        ],
        'bn.bias': [[0.5, -1], [2]],
      },
      2,
    );
    expect(valuesOf(kernel)[0]).toBeCloseTo(3 - 2 * 0.04, 6);
    expect(valuesOf(bias)).toEqual([3 - 2 * 0.5, 4 + 2 * 1]); // plain SGD step
    optimizer.dispose();
    disposeAll([kernel, bias]);
  });

  it('lets a group force adaptation on or off (larsAdaptation)', () => {
    const forcedOn = variableOf([3, 4], [2]);
    const forcedOff = variableOf([3, 4], [1, 2]);
    const optimizer = new LarsOptimizer(
      [
        { name: 'on', variables: new Map([['on', forcedOn]]), larsAdaptation: true },
        { name: 'off', variables: new Map([['off', forcedOff]]), larsAdaptation: false },
      ],
      { momentum: 0, weightDecay: 0.1, trustCoefficient: 0.01, eps: 0 },
    );
    apply(
      optimizer,
      {
        on: [[0.5, -1], [2]],
        off: [
          [0.5, -1],
          [1, 2],
        ],
      },
      2,
    );
    expect(valuesOf(forcedOn)[0]).toBeCloseTo(3 - 2 * 0.04, 6);
    expect(valuesOf(forcedOff)).toEqual([3 - 2 * 0.5, 4 + 2 * 1]);
    optimizer.dispose();
    disposeAll([forcedOn, forcedOff]);
  });

  it('uses ratio 1 when the weight or the (decayed) gradient has zero norm, never NaN', () => {
    const zeroWeight = variableOf([0, 0], [1, 2]);
    const zeroGradient = variableOf([3, 4], [1, 2]);
    const optimizer = new LarsOptimizer(
      [
        {
          name: 'all',
          variables: new Map([
            ['a', zeroWeight],
            ['b', zeroGradient],
          ]),
        },
      ],
      { momentum: 0, weightDecay: 0, trustCoefficient: 0.01, eps: 0 },
    );
    apply(
      optimizer,
      {
        a: [
          [0.5, -1],
          [1, 2],
        ],
        b: [
          [0, 0],
          [1, 2],
        ],
      },
      1,
    );
    expect(valuesOf(zeroWeight)).toEqual([-0.5, 1]); // unscaled gradient step
    expect(valuesOf(zeroGradient)).toEqual([3, 4]);
    optimizer.dispose();
    disposeAll([zeroWeight, zeroGradient]);
  });

  it('has SoCo’s defaults', () => {
    const optimizer = new LarsOptimizer([]);
    expect(optimizer.options).toEqual({
      momentum: 0.9,
      weightDecay: 1e-5,
      trustCoefficient: 0.001,
      eps: 1e-8,
    });
    optimizer.dispose();
  });
});
