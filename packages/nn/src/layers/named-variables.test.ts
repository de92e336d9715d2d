import { Rng, SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test-support/tensors.js';
import { Linear } from './linear.js';
import { collectVariables, disposeVariables, variableFrom } from './named-variables.js';

useCpuBackend();

describe('collectVariables', () => {
  const linear = () => new Linear({ inFeatures: 2, outFeatures: 2, rng: Rng.fromSeed(0) });

  it('prefixes components with `name.`, and an empty prefix adds no dot', () => {
    const named = collectVariables([
      ['', linear()],
      ['head', linear()],
    ]);
    expect([...named.keys()]).toEqual(['weight', 'bias', 'head.weight', 'head.bias']);
  });

  it('names a variable child by its prefix alone and refuses an empty one', () => {
    const scale = variableFrom(() => tf.ones([1]));
    const named = collectVariables([
      ['level_embed', scale],
      ['proj', linear()],
    ]);
    expect([...named.keys()]).toEqual(['level_embed', 'proj.weight', 'proj.bias']);
    expect(named.get('level_embed')).toBe(scale);
    expect(() => collectVariables([['', scale]])).toThrow(SsdetError);
  });

  it('disposeVariables frees every variable of a component', () => {
    const layer = linear();
    disposeVariables(layer);
    expect(layer.weight.isDisposed && layer.bias!.isDisposed).toBe(true);
  });
});
