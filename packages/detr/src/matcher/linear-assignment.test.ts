import { describe, expect, it } from 'vitest';
import { readFixture } from '../test-support/fixtures.js';
import { linearSumAssignment } from './linear-assignment.js';

interface MatcherFixture {
  cases: Array<{ rows: number; cols: number; cost: number[]; total: number; pairs: number }>;
}

describe('linearSumAssignment equals scipy.optimize.linear_sum_assignment', () => {
  const { cases } = readFixture<MatcherFixture>('matcher.json');

  it(`has scipy's total cost on ${cases.length} random rectangular matrices (float, integer ties, constant, 40×25)`, () => {
    for (const [k, c] of cases.entries()) {
      const result = linearSumAssignment(c.cost, c.rows, c.cols);
      expect(result.rows.length, `case ${k}`).toBe(c.pairs);
      expect(result.totalCost, `case ${k} (${c.rows}×${c.cols})`).toBeCloseTo(c.total, 9);
      // a valid assignment: rows ascending and distinct, columns distinct
      expect(new Set(result.cols).size).toBe(c.pairs);
      for (let i = 1; i < result.rows.length; i++)
        expect(result.rows[i]!).toBeGreaterThan(result.rows[i - 1]!);
    }
  });

  it('is exact where greedy fails', () => {
    // greedy takes (0,0)=1 then (1,1)=100; optimal is (0,1)+(1,0) = 2 + 2
    const result = linearSumAssignment([1, 2, 2, 100], 2, 2);
    expect(Array.from(result.cols)).toEqual([1, 0]);
    expect(result.totalCost).toBe(4);
  });

  it('transposes tall matrices and breaks ties deterministically', () => {
    const tall = linearSumAssignment([5, 1, 3, 0, 2, 2], 3, 2);
    expect(Array.from(tall.rows)).toEqual([1, 2]);
    expect(Array.from(tall.cols)).toEqual([1, 0]);
    const tie = linearSumAssignment([1, 1, 1, 1], 2, 2);
    expect(Array.from(linearSumAssignment([1, 1, 1, 1], 2, 2).cols)).toEqual(Array.from(tie.cols));
  });

  it('handles empty matrices and rejects non-finite costs', () => {
    expect(linearSumAssignment([], 0, 5).rows.length).toBe(0);
    expect(() => linearSumAssignment([0, Number.NaN], 1, 2)).toThrow(/cost\[0\]\[1\] is NaN/);
    expect(() => linearSumAssignment([0], 1, 2)).toThrow(/expected 1×2/);
  });
});
