import { describe, expect, it } from 'vitest';
import { numpyArgsort } from './numpy-argsort.js';
import { stdSort } from './std-sort.js';

function tiedValues(n: number, distinct: number, seed: number): Float64Array {
  const values = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    values[i] = s % distinct;
  }
  return values;
}

describe('reference sorts', () => {
  for (const n of [0, 1, 2, 17, 1000, 20000]) {
    it(`std::sort replica sorts and keeps key/payload pairs together (n = ${n})`, () => {
      const values = tiedValues(n, 7, n + 1);
      const keys = Float32Array.from(values);
      const payload = Int32Array.from({ length: n }, (_, i) => i);
      stdSort(keys, payload);
      for (let i = 1; i < n; i++) expect(keys[i]! >= keys[i - 1]!).toBe(true);
      for (let i = 0; i < n; i++) expect(values[payload[i]!]).toBe(keys[i]);
      expect(new Set(payload).size).toBe(n);
    });

    it(`numpy argsort replica returns a sorting permutation (n = ${n})`, () => {
      const values = tiedValues(n, 5, n + 7);
      const order = numpyArgsort(values);
      for (let i = 1; i < n; i++) expect(values[order[i]!]! >= values[order[i - 1]!]!).toBe(true);
      expect(new Set(order).size).toBe(n);
    });
  }

  it('does not keep equal keys in input order (it is the unstable reference sort)', () => {
    const values = new Float64Array(100).fill(1);
    const order = numpyArgsort(values);
    expect(Array.from(order)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
