import { describe, expect, it } from 'vitest';
import { shuffleBnGroupsFor } from './shuffle-bn-groups.js';

describe('shuffleBnGroupsFor', () => {
  it("keeps the papers' 8 groups for their batch of 256 and follows smaller batches", () => {
    const table = [1, 2, 3, 4, 6, 7, 8, 12, 16, 20, 64, 256].map((batch) => [
      batch,
      shuffleBnGroupsFor(batch),
    ]);
    expect(table).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [6, 3],
      [7, 1],
      [8, 4],
      [12, 6],
      [16, 8],
      [20, 5],
      [64, 8],
      [256, 8],
    ]);
  });

  it('always divides the batch into groups of at least 2 images (or is 1)', () => {
    for (let batch = 1; batch <= 300; batch++) {
      const groups = shuffleBnGroupsFor(batch);
      expect(batch % groups, `batch ${batch}`).toBe(0);
      if (groups > 1) expect(batch / groups).toBeGreaterThanOrEqual(2);
      expect(groups).toBeLessThanOrEqual(8);
    }
    expect(shuffleBnGroupsFor(12, 4)).toBe(4);
  });
});
