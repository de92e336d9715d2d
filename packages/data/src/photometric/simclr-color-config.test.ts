import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { simclrColorAugmentationFields } from './simclr-color-config.js';

const block = z.object({ size: z.number().default(32), ...simclrColorAugmentationFields }).strict();

describe('simclrColorAugmentationFields', () => {
  it("fills SimCLR's values around the method's own keys, in order", () => {
    const parsed = block.parse({});
    expect(Object.keys(parsed)).toEqual(['size', 'colorJitter', 'grayscale', 'blur']);
    expect(parsed).toEqual({
      size: 32,
      colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
      grayscale: 0.2,
      blur: { sigma: [0.1, 2], p: 0.5 },
    });
    expect(block.parse({ colorJitter: { p: 0 } }).colorJitter).toMatchObject({ p: 0, hue: 0.1 });
  });

  it('refuses a reversed σ range, a hue above ½ and unknown keys', () => {
    const reversed = block.safeParse({ blur: { sigma: [2, 0.1] } });
    expect(reversed.success).toBe(false);
    expect(reversed.error!.issues[0]!.message).toBe('sigma must be [low, high] with low ≤ high');
    expect(block.safeParse({ colorJitter: { hue: 0.6 } }).success).toBe(false);
    expect(block.safeParse({ colorJitter: { strength: 1 } }).success).toBe(false);
  });
});
