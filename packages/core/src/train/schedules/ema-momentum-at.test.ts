import { describe, expect, it } from 'vitest';
import { emaMomentumAt } from './ema-momentum-at.js';

describe('emaMomentumAt', () => {
  it('rises from the base to 1 on BYOL’s cosine', () => {
    expect(emaMomentumAt(0, 1000, 0.996)).toBeCloseTo(0.996, 15);
    expect(emaMomentumAt(250, 1000, 0.996)).toBeCloseTo(0.9965857864376269, 15);
    expect(emaMomentumAt(500, 1000, 0.996)).toBeCloseTo(0.998, 15);
    expect(emaMomentumAt(999, 1000, 0.99)).toBeCloseTo(0.9999999753260093, 15);
    expect(emaMomentumAt(1000, 1000, 0.996)).toBe(1);
    expect(emaMomentumAt(2000, 1000, 0.996)).toBe(1);
  });

  it('rejects a base outside [0, 1] and bad step counts', () => {
    expect(() => emaMomentumAt(0, 10, 1.5)).toThrow(/base momentum/);
    expect(() => emaMomentumAt(0, 0, 0.99)).toThrow(/totalSteps/);
    expect(() => emaMomentumAt(1.5, 10, 0.99)).toThrow(/step/);
  });
});
