import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootContainer, EventBus, PluginRegistry, selectBackend } from '@ssdet/core';
import { writeSyntheticDataset } from '@ssdet/data';
import { plugin as nnPlugin } from '@ssdet/nn';
import sharp from 'sharp';
import { runDetect } from './run-detect.js';
import { runFinetune } from './run-finetune.js';

let dir: string;
let train: string;
let val: string;

/** A detector small enough to train a few steps in a test. */
export const TINY_FINETUNE = {
  backbone: { arch: 'resnet18', widthMultiplier: 0.25 },
  input: { shorterSides: [96, 128], maxSize: 160 },
  model: {
    fpnChannels: 32,
    representationSize: 64,
    rpnBatchSizePerImage: 64,
    roiBatchSizePerImage: 64,
    trainPreNmsTopN: 200,
    trainPostNmsTopN: 100,
    testPreNmsTopN: 200,
    testPostNmsTopN: 100,
    maskHeadLayers: [16, 16],
    maskPredictorChannels: 16,
  },
  train: {
    batchSize: 2,
    warmupSteps: 2,
    logEvery: 1,
    optimizer: { type: 'sgd', lr: 0.08, momentum: 0.9, weightDecay: 1e-4 },
  },
};

function rootWithNn(bus = new EventBus()) {
  const root = createRootContainer({ bus });
  root.resolve(PluginRegistry).add(nnPlugin, { packageName: '@ssdet/nn', discovery: 'api' });
  return root;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ssdet-finetune-'));
  train = (
    await writeSyntheticDataset({
      out: path.join(dir, 'train'),
      count: 6,
      seed: 1,
      width: 160,
      height: 120,
    })
  ).annotationFile;
  val = (
    await writeSyntheticDataset({
      out: path.join(dir, 'val'),
      count: 3,
      seed: 2,
      width: 160,
      height: 120,
    })
  ).annotationFile;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runFinetune', () => {
  it('trains Mask R-CNN on COCO json with masks, evaluates boxes and masks and writes eval.json', async () => {
    const out = path.join(dir, 'run');
    const outcome = await runFinetune(rootWithNn(), {
      init: 'random',
      train,
      val,
      outDir: out,
      base: { ...TINY_FINETUNE, train: { ...TINY_FINETUNE.train, evalEvery: 2 } },
      flags: { maxSteps: 4 },
      backend: 'cpu',
    });
    expect(outcome.detector).toBe('mask-rcnn');
    expect(outcome.result.position.step).toBe(4);
    expect(outcome.result.lastLoss).toBeGreaterThan(0);
    expect(outcome.segmEvaluation!.stats).toHaveLength(12);
    expect(Number.isFinite(outcome.result.lastLoss)).toBe(true);
    const written = JSON.parse(readFileSync(path.join(out, 'eval.json'), 'utf8')) as {
      bbox: { stats: number[] };
      segm: { stats: number[] };
    };
    expect(written.bbox.stats).toHaveLength(12);
    expect(written.segm.stats).toEqual(outcome.segmEvaluation!.stats);
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    expect(metrics).toMatch(/"loss_mask":/);
    // Validated at step 2 (evalEvery) and at the end: the end's numbers are eval.json's.
    const evaluated = metrics
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: number; evaluation?: Record<string, number> })
      .filter((record) => record.evaluation !== undefined);
    expect(evaluated.map((record) => record.step)).toEqual([2, 4]);
    expect(evaluated[1]!.evaluation!['bbox/AP']).toBe(written.bbox.stats[0]);
    expect(evaluated[1]!.evaluation!['segm/AP50']).toBe(written.segm.stats[1]);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    expect(existsSync(path.join(out, 'metrics.jsonl'))).toBe(true);
    await expect(
      runFinetune(rootWithNn(), { init: 'random', train, val, outDir: out, base: TINY_FINETUNE }),
    ).rejects.toThrow(
      /is not empty \(checkpoints, classes\.json, config\.yaml, detections\.json, …\)/,
    );
    // Resuming the finished run trains nothing and reports no loss; the flag it ignores is named.
    const bus = new EventBus();
    const warnings: string[] = [];
    bus.subscribe((event) => {
      if (event.type === 'log' && event.level === 'warn') warnings.push(event.message);
    });
    const resumed = await runFinetune(rootWithNn(bus), {
      init: 'random',
      train,
      val,
      outDir: out,
      resume: true,
      flags: { batchSize: 1 },
      backend: 'cpu',
    });
    expect(resumed.result).toMatchObject({ stepsRun: 0, lastLoss: undefined });
    expect(warnings.join('\n')).toMatch(/ignored: --batch-size 1\./);
  }, 300_000);

  it('trains DETR with its set loss and recipe, and evaluates it', async () => {
    const out = path.join(dir, 'detr-run');
    const outcome = await runFinetune(rootWithNn(), {
      init: 'random',
      train,
      val,
      outDir: out,
      base: {
        backbone: TINY_FINETUNE.backbone,
        input: TINY_FINETUNE.input,
        detr: {
          dModel: 32,
          numHeads: 4,
          dimFeedforward: 64,
          encoderLayers: 1,
          decoderLayers: 2,
          numQueries: 12,
        },
        train: { batchSize: 2, logEvery: 1 },
      },
      flags: { detector: 'detr', maxSteps: 3 },
      backend: 'cpu',
    });
    expect(outcome.detector).toBe('detr');
    // DETR's recipe under the user's settings.
    expect(outcome.config.train.optimizer.type).toBe('adamw');
    expect(outcome.config.norm).toBe('frozen');
    expect(outcome.config.train.clipGradNorm).toBe(0.1);
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    for (const term of ['loss_ce', 'loss_bbox', 'loss_giou', 'loss_ce_0'])
      expect(metrics).toContain(`"${term}":`);
    expect(outcome.evaluation!.stats).toHaveLength(12);
  }, 300_000);

  it('trains Deformable DETR with focal matching and its recipe, and evaluates it', async () => {
    const out = path.join(dir, 'deformable-run');
    const outcome = await runFinetune(rootWithNn(), {
      init: 'random',
      train,
      val,
      outDir: out,
      base: {
        backbone: TINY_FINETUNE.backbone,
        input: TINY_FINETUNE.input,
        deformableDetr: {
          dModel: 32,
          numHeads: 4,
          dimFeedforward: 64,
          encoderLayers: 1,
          decoderLayers: 2,
          numQueries: 12,
        },
        train: { batchSize: 2, logEvery: 1 },
      },
      flags: { detector: 'deformable-detr', maxSteps: 3 },
      backend: 'cpu',
    });
    expect(outcome.detector).toBe('deformable-detr');
    expect(outcome.config.train.optimizer.lr).toBe(2e-4);
    expect(outcome.config.train.referenceBatchSize).toBe(32);
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    for (const term of ['loss_ce', 'loss_bbox', 'loss_giou', 'loss_ce_0'])
      expect(metrics).toContain(`"${term}":`);
    // The official PostProcess keeps the top detections over queries × classes.
    const detections = JSON.parse(
      readFileSync(path.join(out, 'detections.json'), 'utf8'),
    ) as unknown[];
    expect(detections.length).toBeGreaterThan(0);
    expect(outcome.evaluation!.stats).toHaveLength(12);
  }, 300_000);

  it('fine-tunes and evaluates on real photos with hand-drawn VOC boxes (--images)', async () => {
    const voc = path.resolve(import.meta.dirname, '../../test/fixtures/voc-photos');
    const photos = path.resolve(import.meta.dirname, '../../../data/assets/photos');
    const out = path.join(dir, 'voc-run');
    const outcome = await runFinetune(rootWithNn(), {
      init: 'random',
      train: voc,
      val: voc,
      images: photos,
      outDir: out,
      base: { ...TINY_FINETUNE, train: { ...TINY_FINETUNE.train, batchSize: 1 } },
      flags: { maxSteps: 6 },
      backend: 'cpu',
    });
    expect(outcome.detector).toBe('faster-rcnn');
    expect(outcome.result.position.step).toBe(6);
    const detections = JSON.parse(readFileSync(path.join(out, 'detections.json'), 'utf8')) as {
      image_id: number;
      category_id: number;
      bbox: number[];
    }[];
    // Every detection is in its own photo's pixels and of one of the nine hand-labelled classes.
    const sizes = new Map([
      [1, [512, 512]],
      [2, [451, 300]],
      [3, [600, 400]],
    ]);
    for (const detection of detections) {
      expect(detection.category_id).toBeGreaterThanOrEqual(1);
      expect(detection.category_id).toBeLessThanOrEqual(9);
      const [width, height] = sizes.get(detection.image_id)!;
      expect(detection.bbox[0]! + detection.bbox[2]!).toBeLessThanOrEqual(width! + 1e-3);
      expect(detection.bbox[1]! + detection.bbox[3]!).toBeLessThanOrEqual(height! + 1e-3);
    }
    expect(outcome.evaluation!.stats).toHaveLength(12);
    expect(Object.keys(outcome.evaluation!.per_category_AP)).toHaveLength(9);

    // The fine-tuned detector draws its boxes on the photos (every detection, threshold 0).
    const drawn = await runDetect(rootWithNn(), {
      run: out,
      images: [photos],
      outDir: path.join(dir, 'drawn'),
      scoreThreshold: 0,
    });
    expect(drawn.files.map((file) => path.basename(file))).toEqual([
      'astronaut.png',
      'chelsea.png',
      'coffee.png',
    ]);
    const coffee = await sharp(drawn.files[2]!).metadata();
    expect([coffee.width, coffee.height]).toEqual([600, 400]);
    // The same detector and image size as the run's evaluation: the same detections.
    const evaluated = detections.filter((d) => d.image_id === 3).length;
    expect(drawn.detections[2]!.scores.length).toBe(evaluated);
  }, 300_000);
});
