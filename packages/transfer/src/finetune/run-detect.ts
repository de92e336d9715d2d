import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  type BackendRequest,
  EVENT_BUS,
  resolveToken,
  selectBackend,
  type DependencyContainer,
  type Dataset,
  type ImageRecord,
  parseConfig,
  Rng,
  type Sample,
  SsdetError,
} from '@ssdet/core';
import { decodeImage } from '@ssdet/data';
import { loadStateDict, readSafetensors } from '@ssdet/nn';
import { buildFinetuneDetector } from './build-detector.js';
import { DetectionViews } from './detection-views.js';
import { detectImages, type ImageDetections } from './detect-images.js';
import { drawDetections } from './draw-detections.js';
import { finetuneConfigSchema } from './finetune-config.js';

const IMAGE_FILE = /\.(jpe?g|png|webp|tiff?)$/i;

export interface DetectRequest {
  /** A finished `ssdet finetune` run directory. */
  readonly run: string;
  /** Image files or folders of images. */
  readonly images: readonly string[];
  readonly outDir: string;
  /** Detections under this score are not drawn. Default 0.5. */
  readonly scoreThreshold?: number;
  readonly backend?: BackendRequest;
}

/**
 * `ssdet detect`: the fine-tuned detector of a run (its configuration, `classes.json` and
 * `detector.safetensors`) over images, each written as `<name>.png` with its boxes (and masks)
 * drawn, plus `detections.json` (boxes in each image's pixels).
 */
export async function runDetect(
  root: DependencyContainer,
  request: DetectRequest,
): Promise<{ readonly files: string[]; readonly detections: ImageDetections[] }> {
  await selectBackend({
    request: request.backend ?? 'auto',
    bus: resolveToken(root, EVENT_BUS),
  });
  const run = path.resolve(request.run);
  const need = (name: string): string => {
    const file = path.join(run, name);
    if (!existsSync(file))
      throw new SsdetError(
        'DETECT_NOT_A_RUN',
        `--run ${request.run}: no ${name} in it (expected the directory of a finished \`ssdet finetune\`).`,
      );
    return file;
  };
  const stored = parseYaml(await readFile(need('config.yaml'), 'utf8')) as { finetune?: unknown };
  const config = parseConfig(
    finetuneConfigSchema,
    stored.finetune,
    `${need('config.yaml')}: finetune`,
  );
  const classes = JSON.parse(await readFile(need('classes.json'), 'utf8')) as {
    id: number;
    name: string;
  }[];
  const weights = readSafetensors(
    await readFile(need('detector.safetensors')),
    need('detector.safetensors'),
  );
  const detectorName = weights.metadata['detector'] === 'mask-rcnn' ? 'mask-rcnn' : 'faster-rcnn';
  const detector = buildFinetuneDetector(
    root,
    config,
    detectorName,
    classes.length + 1,
    Rng.fromSeed(0),
  );
  loadStateDict(detector, weights.tensors);

  const files = await listImages(request.images);
  const dataset = new FileListDataset(files);
  const views = new DetectionViews({
    shorterSides: config.input.shorterSides,
    maxSize: config.input.maxSize,
    flip: false,
  });
  const threshold = request.scoreThreshold ?? 0.5;
  const detections = (
    await detectImages(
      detector,
      dataset,
      views,
      classes.map((c) => c.id),
      1,
    )
  ).map((image) => keepConfident(image, threshold));
  const outDir = path.resolve(request.outDir);
  await mkdir(outDir, { recursive: true });
  const names = new Map(classes.map((c) => [c.id, c.name]));
  const written: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const image = await decodeImage(files[i]!);
    const out = path.join(outDir, `${path.parse(files[i]!).name}.png`);
    await writeFile(
      out,
      await drawDetections(image, detections[i]!, (id) => names.get(id) ?? String(id)),
    );
    written.push(out);
  }
  await writeFile(
    path.join(outDir, 'detections.json'),
    `${JSON.stringify(
      detections.map((image, i) => ({
        file: files[i],
        detections: Array.from(image.scores, (score, k) => ({
          category: names.get(image.categoryIds[k]!),
          category_id: image.categoryIds[k],
          score,
          box: Array.from(image.boxes.subarray(4 * k, 4 * k + 4)),
        })),
      })),
      null,
      2,
    )}\n`,
  );
  return { files: written, detections };
}

function keepConfident(image: ImageDetections, threshold: number): ImageDetections {
  const kept = Array.from(image.scores, (score, k) => (score >= threshold ? k : -1)).filter(
    (k) => k >= 0,
  );
  return {
    imageId: image.imageId,
    boxes: Float32Array.from(
      kept.flatMap((k) => Array.from(image.boxes.subarray(4 * k, 4 * k + 4))),
    ),
    scores: Float32Array.from(kept, (k) => image.scores[k]!),
    categoryIds: Int32Array.from(kept, (k) => image.categoryIds[k]!),
    ...(image.masks === undefined ? {} : { masks: kept.map((k) => image.masks![k]!) }),
  };
}

async function listImages(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const location = path.resolve(input);
    if (!existsSync(location))
      throw new SsdetError('DETECT_NO_IMAGE', `--images ${input}: no such file or directory.`);
    if (statSync(location).isDirectory()) {
      const names = (await readdir(location)).filter((name) => IMAGE_FILE.test(name)).sort();
      files.push(...names.map((name) => path.join(location, name)));
    } else files.push(location);
  }
  if (files.length === 0)
    throw new SsdetError('DETECT_NO_IMAGE', `--images ${inputs.join(' ')}: no image files.`);
  return files;
}

/** Images by file, numbered in order, without annotations. */
class FileListDataset implements Dataset {
  readonly description = 'images';
  constructor(private readonly files: readonly string[]) {}
  get size(): number {
    return this.files.length;
  }
  record(index: number): ImageRecord {
    return { id: String(index), path: this.files[index]! };
  }
  async load(index: number): Promise<Sample> {
    const record = this.record(index);
    return { record, image: await decodeImage(record.path) };
  }
}
