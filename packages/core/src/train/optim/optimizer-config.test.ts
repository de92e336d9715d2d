import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/parse-config.js';
import { ConfigError } from '../../errors/config-error.js';
import { optimizerConfigSchema } from './optimizer-config.js';

const parse = (raw: unknown) => parseConfig(optimizerConfigSchema, raw, 'test');

describe('optimizerConfigSchema', () => {
  it('fills PyTorch defaults for SGD and AdamW and SoCo’s for LARS', () => {
    expect(parse({ type: 'sgd', lr: 0.03 })).toEqual({
      type: 'sgd',
      lr: 0.03,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
    expect(parse({ type: 'adamw' })).toEqual({
      type: 'adamw',
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.01,
      amsgrad: false,
    });
    expect(parse({ type: 'lars', lr: 1 })).toEqual({
      type: 'lars',
      lr: 1,
      momentum: 0.9,
      weightDecay: 1e-5,
      trustCoefficient: 0.001,
      eps: 1e-8,
    });
  });

  it('names the key and what is allowed when a value is wrong', () => {
    expect(() => parse({ type: 'sgd' })).toThrow(/lr: got nothing/);
    expect(() => parse({ type: 'rmsprop', lr: 1 })).toThrow(ConfigError);
    expect(() => parse({ type: 'sgd', lr: 0.1, nesterov: true })).toThrow(
      /nesterov.*needs momentum > 0/,
    );
    expect(() => parse({ type: 'lars', lr: 0.1, momentum: 1.5 })).toThrow(/momentum: got 1.5/);
    expect(() => parse({ type: 'adamw', beta1: 0.9 })).toThrow(/beta1/);
  });
});
