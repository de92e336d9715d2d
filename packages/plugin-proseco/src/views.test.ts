import { Rng, selectBackend, type Regions } from '@ssdet/core';
import { BadImageError, flipGeometry, identityGeometry, resizeGeometry } from '@ssdet/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticSample } from './test-support/tiny.js';
import {
  ProsecoViewGenerator,
  STUDENT_VIEW,
  TEACHER_VIEW,
  visiblePriors,
  type ProsecoViewOptions,
} from './views.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const strong = {
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
  grayscale: 0.2,
  blur: { sigma: [0.1, 2] as const, p: 0.5 },
};
const options: ProsecoViewOptions = {
  scales: [64, 80],
  maxSize: 96,
  flipP: 0.5,
  plainResizeP: 0.5,
  cropResizes: [80, 96],
  cropSize: [64, 96],
  maxPriors: 3,
  minPriors: 2,
  strong,
};

const regions = (boxes: number[][]): Regions => ({ boxes: Float32Array.from(boxes.flat()) });
const priors = [
  [10, 10, 50, 40],
  [60, 20, 110, 80],
  [0, 0, 120, 90],
  [5, 5, 20, 20], // beyond maxPriors: ignored
];

describe('visiblePriors', () => {
  it('maps the boxes through flip and resize', () => {
    const geometry = resizeGeometry(flipGeometry(identityGeometry(100, 50)), 200, 100);
    const { boxes, ids } = visiblePriors(geometry, [
      [0, 0, 10, 10],
      [40, 10, 60, 30],
    ]);
    expect(Array.from(ids)).toEqual([0, 1]);
    expect(Array.from(boxes)).toEqual([180, 0, 200, 20, 80, 20, 120, 60]);
  });
});

describe('ProsecoViewGenerator', () => {
  const generator = new ProsecoViewGenerator(options);
  const sample = syntheticSample(120, 90, 1);

  it('renders one geometry twice: the same boxes, the weak view plain, the strong one recoloured', () => {
    let differing = 0;
    for (let seed = 0; seed < 8; seed++) {
      const [student, teacher] = generator.generate(sample, regions(priors), Rng.fromSeed(seed));
      expect(student!.name).toBe(STUDENT_VIEW);
      expect(teacher!.name).toBe(TEACHER_VIEW);
      expect(student!.geometry).toEqual(teacher!.geometry);
      expect(Array.from(student!.boxes!)).toEqual(Array.from(teacher!.boxes!));
      expect(Array.from(student!.boxIds!)).toEqual(Array.from(teacher!.boxIds!));
      expect(Math.max(...student!.boxIds!)).toBeLessThan(3);
      const { width, height } = teacher!.geometry;
      expect(Math.max(width, height)).toBeLessThanOrEqual(96);
      // Outside the image, the canvas is zero in both.
      const padding = (view: typeof student) =>
        view!.pixels.subarray((height * 96 + 0) * 3).every((v) => v === 0);
      if (height < 96) expect(padding(student) && padding(teacher)).toBe(true);
      if (student!.pixels.some((v, i) => Math.abs(v - teacher!.pixels[i]!) > 1e-3)) differing++;
    }
    // Jitter p 0.8, grayscale 0.2, blur 0.5: nearly every draw changes the strong view.
    expect(differing).toBeGreaterThanOrEqual(6);
  });

  it('renders the teacher view exactly as the student one when the strong augmentation is off', () => {
    const plain = new ProsecoViewGenerator({
      ...options,
      strong: {
        colorJitter: { ...strong.colorJitter, p: 0 },
        grayscale: 0,
        blur: { ...strong.blur, p: 0 },
      },
    });
    const [student, teacher] = plain.generate(sample, regions(priors), Rng.fromSeed(4));
    expect(Array.from(student!.pixels)).toEqual(Array.from(teacher!.pixels));
  });

  it('rejects an image with fewer boxes than minPriors as a bad image', () => {
    expect(() => generator.generate(sample, regions([[1, 1, 5, 5]]), Rng.fromSeed(0))).toThrow(
      BadImageError,
    );
    expect(() => new ProsecoViewGenerator({ ...options, scales: [200] })).toThrow(
      /scales must be non-empty and at most maxSize \(96\)/,
    );
  });
});
