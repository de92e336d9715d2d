import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '@ssdet/core';
import { renderScene, type SceneOptions } from './render-scene.js';
import { SHAPE_CLASSES } from './shapes.js';

export interface SyntheticDatasetOptions extends Partial<SceneOptions> {
  readonly out: string;
  readonly count: number;
  readonly seed?: number;
  /** JPEG quality of the written images. Default 90. */
  readonly quality?: number;
}

export interface SyntheticDatasetSummary {
  readonly annotationFile: string;
  readonly images: number;
  readonly objects: number;
}

export const SYNTHETIC_DEFAULTS: SceneOptions = {
  width: 320,
  height: 240,
  minObjects: 2,
  maxObjects: 7,
  minScale: 0.06,
  maxScale: 0.3,
  minVisiblePixels: 24,
};

/**
 * Writes a deterministic synthetic detection dataset: `images/000000.jpg …` and
 * `annotations.json` in COCO format (boxes, areas, categories, and instance masks as
 * uncompressed column-major RLE). The same options always give the same files, so the quick
 * start, the tests and the transfer benchmark share one dataset without shipping it.
 */
export async function writeSyntheticDataset(
  options: SyntheticDatasetOptions,
): Promise<SyntheticDatasetSummary> {
  const scene: SceneOptions = { ...SYNTHETIC_DEFAULTS, ...stripUndefined(options) };
  const root = path.resolve(options.out);
  await mkdir(path.join(root, 'images'), { recursive: true });
  const rng = Rng.fromSeed(options.seed ?? 0).fork('synthetic-scenes');
  const images: object[] = [];
  const annotations: object[] = [];
  for (let i = 0; i < options.count; i++) {
    const rendered = renderScene(rng.fork(`image-${i}`), scene);
    const fileName = `images/${String(i).padStart(6, '0')}.jpg`;
    await sharp(rendered.pixels, {
      raw: { width: rendered.width, height: rendered.height, channels: 3 },
    })
      .jpeg({ quality: options.quality ?? 90 })
      .toFile(path.join(root, fileName));
    images.push({ id: i + 1, file_name: fileName, width: rendered.width, height: rendered.height });
    for (const object of rendered.objects) {
      const [x0, y0, x1, y1] = object.box;
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: object.category,
        bbox: [x0, y0, x1 - x0, y1 - y0],
        area: object.area,
        iscrowd: 0,
        segmentation: {
          size: [rendered.height, rendered.width],
          counts: columnMajorRle(rendered.instances, rendered.width, rendered.height, object.label),
        },
      });
    }
  }
  const coco = {
    info: { description: 'ssdet synthetic scenes', version: '1', seed: options.seed ?? 0 },
    images,
    annotations,
    categories: SHAPE_CLASSES.map((name, index) => ({
      id: index + 1,
      name,
      supercategory: 'shape',
    })),
  };
  const annotationFile = path.join(root, 'annotations.json');
  // Written last and atomically: a dataset with an annotation file is complete.
  await writeFile(`${annotationFile}.tmp`, JSON.stringify(coco));
  await rename(`${annotationFile}.tmp`, annotationFile);
  return { annotationFile, images: images.length, objects: annotations.length };
}

/** COCO's uncompressed RLE of `labels === label`: column-major runs, starting with background. */
function columnMajorRle(
  labels: Int32Array,
  width: number,
  height: number,
  label: number,
): number[] {
  const counts: number[] = [];
  let current = false;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const inside = labels[y * width + x] === label;
      if (inside !== current) {
        counts.push(run);
        run = 0;
        current = inside;
      }
      run += 1;
    }
  }
  counts.push(run);
  return counts;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
