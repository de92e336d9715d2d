import { expect } from 'vitest';
import type { ExpectedTensor } from '../../test-support/fixtures.js';
import type { WeightTensor } from '../../weight-tensor.js';

/** Asserts names (in order), dtypes, shapes and values against a fixture's expected tensors. */
export function expectTensorsMatch(
  tensors: ReadonlyMap<string, WeightTensor>,
  expected: Record<string, ExpectedTensor>,
): void {
  expect([...tensors.keys()]).toEqual(Object.keys(expected));
  for (const [name, want] of Object.entries(expected)) {
    const got = tensors.get(name)!;
    expect(got.dtype, name).toBe(want.dtype);
    expect(got.shape, name).toEqual(want.shape);
    const values = Array.from(got.data);
    expect(values.length, name).toBe(want.values.length);
    // float32 holds F32/F16/BF16 exactly; F64 is rounded to float32.
    values.forEach((value, i) =>
      expect(value, `${name}[${i}]`).toBeCloseTo(want.values[i]!, want.dtype === 'F64' ? 6 : 12),
    );
  }
}
