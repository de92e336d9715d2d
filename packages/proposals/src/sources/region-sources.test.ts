import { Rng, SsdetError } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { photo } from '../test-support/fixtures.js';
import {
  EdgeBoxesSource,
  FelzenszwalbSource,
  RandomBoxesSource,
  SelectiveSearchSource,
} from './region-sources.js';

describe('RegionSources', () => {
  it('reject bad parameters with an SsdetError naming the field', () => {
    expect(() => new FelzenszwalbSource({ scale: -1 })).toThrow(SsdetError);
    expect(() => new FelzenszwalbSource({ scale: -1 })).toThrow(
      /fh: parameter "scale" must be a number > 0/,
    );
    expect(() => new FelzenszwalbSource({ variant: 'matlab' as never })).toThrow(/variant/);
    expect(() => new SelectiveSearchSource({ maxBoxes: 1.5 })).toThrow(/maxBoxes.*integer/);
    expect(() => new EdgeBoxesSource({ beta: 2 })).toThrow(/beta/);
    expect(() => new RandomBoxesSource({ count: 0 })).toThrow(/count/);
  });

  it('reject a malformed image', async () => {
    await expect(
      new RandomBoxesSource().propose(
        { width: 4, height: 4, pixels: new Uint8Array(5) },
        Rng.fromSeed(0),
      ),
    ).rejects.toThrow(/8-bit RGB/);
  });

  it('propose regions of the right kind', async () => {
    const image = photo('chelsea');
    const fh = await new FelzenszwalbSource({ scale: 100, minSize: 20 }).propose(image);
    expect(fh.mask?.labels.length).toBe(image.width * image.height);
    expect(fh.boxes.length / 4).toBe(Math.max(...fh.mask!.labels) + 1);
    const detreg = new SelectiveSearchSource({ preset: 'detreg' });
    expect(detreg.parameters).toMatchObject({ resize: 128, maxBoxes: 30 });
    const ss = await detreg.propose(image, Rng.fromSeed(1));
    expect(ss.boxes.length).toBe(30 * 4);
    for (const v of ss.boxes) expect(v).toBeLessThanOrEqual(image.width + 1e-3);
    const soco = await new SelectiveSearchSource({ preset: 'soco' }).propose(
      image,
      Rng.fromSeed(1),
    );
    expect(soco.boxes.length).toBeGreaterThan(0);
    for (let i = 0; i < soco.boxes.length; i += 4) {
      const w = soco.boxes[i + 2]! - soco.boxes[i]!;
      const h = soco.boxes[i + 3]! - soco.boxes[i + 1]!;
      expect(w / h).toBeLessThanOrEqual(3);
    }
    const eb = await new EdgeBoxesSource({ maxBoxes: 20 }).propose(image);
    expect(eb.boxes.length / 4).toBeGreaterThan(0);
    expect(eb.boxes.length / 4).toBeLessThanOrEqual(20);
    expect(eb.scores?.length).toBe(eb.boxes.length / 4);
    const random = await new RandomBoxesSource().propose(image, Rng.fromSeed(2));
    expect(random.boxes.length).toBe(40);
  });
});
