import type { Rng } from '@ssdet/core';
import { SHAPE_CLASSES, insideShape, type ShapePlacement } from './shapes.js';
import { randomBackground, randomTexture } from './textures.js';

export interface SceneOptions {
  readonly width: number;
  readonly height: number;
  /** Objects per image are drawn uniformly from [minObjects, maxObjects]. */
  readonly minObjects: number;
  readonly maxObjects: number;
  /** Object size (half-extent) as a fraction of the shorter image side. */
  readonly minScale: number;
  readonly maxScale: number;
  /** Objects with fewer visible pixels than this (after occlusion) are not annotated. */
  readonly minVisiblePixels: number;
}

export interface SceneObject {
  readonly category: number;
  /** Visible extent, xyxy pixels. */
  readonly box: readonly [number, number, number, number];
  readonly area: number;
  /** Label of this object in the scene's instance mask. */
  readonly label: number;
}

export interface Scene {
  readonly width: number;
  readonly height: number;
  /** 8-bit RGB, HWC. */
  readonly pixels: Uint8Array;
  /** 0 = background, i = the i-th drawn object (occluded parts belong to the object on top). */
  readonly instances: Int32Array;
  readonly objects: readonly SceneObject[];
}

/**
 * One synthetic scene: a textured background and several textured shapes (five classes) of
 * random size, rotation, aspect and colour, drawn in order so later shapes occlude earlier ones.
 * Annotations describe what is visible: boxes and masks come from the final instance map.
 */
export function renderScene(rng: Rng, options: SceneOptions): Scene {
  const { width, height } = options;
  const colour = randomBackground(rng.fork('background'), width, height);
  const instances = new Int32Array(width * height);
  const count = rng.int(options.minObjects, options.maxObjects + 1);
  const categories: number[] = [];
  const side = Math.min(width, height);
  const sample = new Float32Array(3);
  for (let k = 0; k < count; k++) {
    const objectRng = rng.fork(`object-${k}`);
    const classIndex = objectRng.int(0, SHAPE_CLASSES.length);
    const radius = side * objectRng.uniform(options.minScale, options.maxScale);
    const shape: ShapePlacement = {
      kind: SHAPE_CLASSES[classIndex]!,
      cx: objectRng.uniform(0, width),
      cy: objectRng.uniform(0, height),
      radius,
      angle: objectRng.uniform(0, 2 * Math.PI),
      aspect: objectRng.uniform(0.6, 1.6),
    };
    const texture = randomTexture(objectRng, radius);
    const reach = radius * Math.max(1, shape.aspect) * 1.05;
    const x0 = Math.max(0, Math.floor(shape.cx - reach));
    const x1 = Math.min(width, Math.ceil(shape.cx + reach));
    const y0 = Math.max(0, Math.floor(shape.cy - reach));
    const y1 = Math.min(height, Math.ceil(shape.cy + reach));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (!insideShape(shape, x + 0.5, y + 0.5)) continue;
        const at = y * width + x;
        instances[at] = k + 1;
        texture(x, y, sample);
        colour[3 * at] = sample[0]!;
        colour[3 * at + 1] = sample[1]!;
        colour[3 * at + 2] = sample[2]!;
      }
    }
    categories.push(classIndex + 1);
  }
  const noise = rng.fork('noise');
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = Math.max(0, Math.min(255, Math.round(colour[i]! + noise.normal(0, 4))));
  return {
    width,
    height,
    pixels,
    instances,
    objects: visibleObjects(instances, width, height, categories, options.minVisiblePixels),
  };
}

function visibleObjects(
  instances: Int32Array,
  width: number,
  height: number,
  categories: readonly number[],
  minPixels: number,
): SceneObject[] {
  const n = categories.length;
  const minX = new Int32Array(n + 1).fill(width);
  const minY = new Int32Array(n + 1).fill(height);
  const maxX = new Int32Array(n + 1).fill(-1);
  const maxY = new Int32Array(n + 1).fill(-1);
  const area = new Int32Array(n + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const label = instances[y * width + x]!;
      if (label === 0) continue;
      area[label] = area[label]! + 1;
      if (x < minX[label]!) minX[label] = x;
      if (x > maxX[label]!) maxX[label] = x;
      if (y < minY[label]!) minY[label] = y;
      if (y > maxY[label]!) maxY[label] = y;
    }
  }
  const objects: SceneObject[] = [];
  for (let label = 1; label <= n; label++) {
    if (area[label]! < minPixels) continue;
    objects.push({
      category: categories[label - 1]!,
      box: [minX[label]!, minY[label]!, maxX[label]! + 1, maxY[label]! + 1],
      area: area[label]!,
      label,
    });
  }
  return objects;
}
