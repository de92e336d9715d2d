import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { deepMerge } from './deep-merge.js';
import { parseConfig } from './parse-config.js';

const schema = z
  .object({
    loss: z
      .object({
        temperature: z.number().positive().default(0.2),
        weights: z.array(z.number()).default([0.5, 0.5]),
      })
      .default({ temperature: 0.2, weights: [0.5, 0.5] }),
    queueSize: z.number().int().default(65536),
  })
  .strict();

describe('parseConfig', () => {
  it('fills the defaults', () => {
    expect(parseConfig(schema, {}, 'test')).toEqual({
      loss: { temperature: 0.2, weights: [0.5, 0.5] },
      queueSize: 65536,
    });
  });

  it('names the key path, the bad value and what is allowed', () => {
    let error: unknown;
    try {
      parseConfig(
        schema,
        { loss: { temperature: 'hot' }, queueSize: 1.5, quueSize: 3 },
        'run.yaml',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues).toEqual(
      expect.arrayContaining([
        { path: 'loss.temperature', received: 'hot', expected: 'number' },
        expect.objectContaining({ path: 'queueSize', received: 1.5 }),
        expect.objectContaining({ path: '', expected: expect.stringMatching(/quueSize/) }),
      ]),
    );
    expect(configError.message).toMatch(
      /^Invalid configuration in run\.yaml:\n {2}loss\.temperature: got "hot"; expected number/,
    );
  });
});

describe('parseConfig, a mistyped key', () => {
  const nested = z
    .object({
      train: z
        .object({
          optimizer: z.object({ lr: z.number() }).strict().default({ lr: 0.1 }),
          batchSize: z.number().default(8),
        })
        .strict()
        .default({ optimizer: { lr: 0.1 }, batchSize: 8 }),
      imageSize: z.number().default(224),
    })
    .strict()
    .transform((config) => config);
  const issueFor = (raw: unknown): string => {
    try {
      parseConfig(nested, raw, '--set');
    } catch (error) {
      return (error as ConfigError).issues
        .map((issue) => `${issue.path}: ${issue.expected}`)
        .join('\n');
    }
    throw new Error('expected a ConfigError');
  };

  it('suggests the closest key at its level, through defaults and transforms', () => {
    expect(issueFor({ train: { optimiser: { lr: 1 } } })).toBe(
      'train: no key(s) optimiser (unknown; did you mean optimizer?)',
    );
    expect(issueFor({ imagesize: 96 })).toBe(
      ': no key(s) imagesize (unknown; did you mean imageSize?)',
    );
    expect(issueFor({ train: { optimizer: { lr: 1, lrr: 1 } } })).toBe(
      'train.optimizer: no key(s) lrr (unknown; did you mean lr?)',
    );
  });

  it('suggests nothing for a key that is like none of them', () => {
    expect(issueFor({ colourJitter: 0.4 })).toBe(': no key(s) colourJitter (unknown)');
  });
});

describe('deepMerge', () => {
  it('merges objects key by key and replaces arrays whole', () => {
    expect(
      deepMerge({ a: { b: 1, c: [1, 2, 3] }, d: 1 }, { a: { c: [9] } }, undefined, { d: { e: 2 } }),
    ).toEqual({
      a: { b: 1, c: [9] },
      d: { e: 2 },
    });
  });

  it('replaces an object whose type changes whole: a switch to LARS drops SGD-only keys', () => {
    const sgd = { type: 'sgd', lr: 0.03, momentum: 0.9, dampening: 0, nesterov: false };
    expect(deepMerge({ optimizer: sgd }, { optimizer: { type: 'lars', lr: 1 } })).toEqual({
      optimizer: { type: 'lars', lr: 1 },
    });
    // Same kind, or no kind named: key by key as before.
    expect(deepMerge({ optimizer: sgd }, { optimizer: { type: 'sgd', lr: 0.1 } })).toEqual({
      optimizer: { ...sgd, lr: 0.1 },
    });
    expect(deepMerge({ optimizer: sgd }, { optimizer: { lr: 0.1 } })).toEqual({
      optimizer: { ...sgd, lr: 0.1 },
    });
  });
});
