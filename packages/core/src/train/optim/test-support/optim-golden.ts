import { readFileSync } from 'node:fs';
import { referenceFixturePath } from '@ssdet/test-support';

/** tools/reference/fixtures/optim/optim_golden.json, written by tools/reference/optim/make_optim_golden.py. */
export const OPTIM_GOLDEN_FILE = referenceFixturePath('optim', 'optim_golden.json');

export interface OptimGoldenCase {
  readonly config: Record<string, number | boolean | number[]>;
  readonly learningRates: readonly number[];
  /** Parameter name → its flat values after each step. */
  readonly trajectory: Readonly<Record<string, readonly (readonly number[])[]>>;
}

export interface OptimGolden {
  readonly torch: string;
  readonly steps: number;
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly initial: Readonly<Record<string, readonly number[]>>;
  /** Parameter name → its flat gradient at each step. */
  readonly gradients: Readonly<Record<string, readonly (readonly number[])[]>>;
  readonly cases: Readonly<Record<'sgd' | 'adamw' | 'lars', OptimGoldenCase>>;
}

export function loadOptimGolden(): OptimGolden {
  return JSON.parse(readFileSync(OPTIM_GOLDEN_FILE, 'utf8')) as OptimGolden;
}
