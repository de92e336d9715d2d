import { Rng } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { randomBoxes } from './random-boxes.js';

describe('randomBoxes (UP-DETR)', () => {
  it('draws boxes of at least 8 px that stay strictly inside the image, reproducibly', () => {
    const boxes = randomBoxes(50, 40, 1000, Rng.fromSeed(1));
    let sawSmall = false;
    let sawLarge = false;
    for (let i = 0; i < 1000; i++) {
      const [x0, y0, x1, y1] = boxes.subarray(i * 4, i * 4 + 4);
      expect(x1! - x0!).toBeGreaterThanOrEqual(8);
      expect(x1! - x0!).toBeLessThanOrEqual(42);
      expect(y1! - y0!).toBeLessThanOrEqual(32);
      expect(x0!).toBeGreaterThanOrEqual(0);
      // x ~ U{0 … W − sw − 1}: the right edge never touches the border
      expect(x1!).toBeLessThan(50);
      expect(y1!).toBeLessThan(40);
      if (x1! - x0! === 8) sawSmall = true;
      if (x1! - x0! === 42) sawLarge = true;
    }
    expect(sawSmall && sawLarge).toBe(true);
    expect(Array.from(randomBoxes(50, 40, 10, Rng.fromSeed(1)))).toEqual(
      Array.from(boxes.subarray(0, 40)),
    );
  });

  it('gives nothing for images with a side of 16 px or less', () => {
    expect(randomBoxes(16, 100, 10, Rng.fromSeed(0)).length).toBe(0);
  });
});
