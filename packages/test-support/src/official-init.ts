import type * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { readReferenceJson } from './reference-fixtures.js';

/** One parameter of tools/reference/fixtures/init/<method>.json (tools/reference/init/make_init_stats.py). */
export interface OfficialInitRecord {
  /** Our variable name. */
  readonly name: string;
  /** The official state_dict name. */
  readonly official: string;
  readonly numel: number;
  /** The distribution the official code draws from. */
  readonly expected: {
    readonly family: 'normal' | 'uniform' | 'constant';
    readonly std: number;
    readonly bound?: number;
    readonly value?: number;
  };
  /** PyTorch's sample of it. */
  readonly torch: { readonly mean: number; readonly std: number; readonly maxAbs: number };
}

/** The official initialisation of `method`'s parameters, as the reference script recorded it. */
export function readOfficialInit(method: string): readonly OfficialInitRecord[] {
  return readReferenceJson<{ parameters: OfficialInitRecord[] }>('init', `${method}.json`)
    .parameters;
}

function sampleStats(tensor: tf.Tensor): { mean: number; std: number; maxAbs: number } {
  const values = tensor.dataSync();
  let sum = 0;
  let maxAbs = 0;
  for (const value of values) {
    sum += value;
    maxAbs = Math.max(maxAbs, Math.abs(value));
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length), maxAbs };
}

/**
 * Asserts that each recorded parameter is drawn as the official code draws it: constants exactly;
 * random tensors with the official std (and PyTorch's sample std) within 6 standard errors of a
 * sample of their size, mean near 0, and the official family — a uniform never beyond its bound,
 * a normal of ≥ 2000 values beyond 2.5σ somewhere.
 */
export function expectOfficialInit(
  variables: ReadonlyMap<string, tf.Variable>,
  records: readonly OfficialInitRecord[],
): void {
  for (const record of records) {
    const label = `${record.name} (official ${record.official})`;
    const variable = variables.get(record.name);
    expect(variable, label).toBeDefined();
    expect(variable!.size, label).toBe(record.numel);
    const { expected } = record;
    if (expected.family === 'constant') {
      const values = Array.from(variable!.dataSync());
      expect(
        values.every((value) => value === expected.value),
        `${label} = ${expected.value}`,
      ).toBe(true);
      continue;
    }
    const ours = sampleStats(variable!);
    const n = record.numel;
    const tolerance =
      ((expected.family === 'normal' ? 6 * 0.71 : 6 * 0.45) * expected.std) / Math.sqrt(n);
    expect(
      Math.abs(ours.std - expected.std),
      `${label}: std ${ours.std} vs ${expected.std}`,
    ).toBeLessThan(tolerance);
    expect(
      Math.abs(ours.std - record.torch.std),
      `${label}: std vs PyTorch's ${record.torch.std}`,
    ).toBeLessThan(2 * tolerance);
    expect(Math.abs(ours.mean), `${label}: mean`).toBeLessThan((6 * expected.std) / Math.sqrt(n));
    if (expected.family === 'uniform') {
      expect(ours.maxAbs, `${label}: inside ±${expected.bound}`).toBeLessThanOrEqual(
        expected.bound! * (1 + 1e-6),
      );
    } else if (n >= 2000) {
      expect(ours.maxAbs, `${label}: a normal's tail`).toBeGreaterThan(2.5 * expected.std);
    }
  }
}
