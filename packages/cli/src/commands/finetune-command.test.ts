import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSyntheticDataset } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssdet } from '../test-support/run-cli.js';

let project: string;
let train: string;
let val: string;
let config: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'ssdet-cli-finetune-'));
  const split = async (name: string, count: number, seed: number) =>
    (
      await writeSyntheticDataset({
        out: path.join(project, name),
        count,
        width: 96,
        height: 72,
        seed,
      })
    ).annotationFile;
  train = await split('train', 4, 1);
  val = await split('val', 2, 2);
  config = path.join(project, 'tiny.json');
  await writeFile(
    config,
    JSON.stringify({
      backbone: { widthMultiplier: 0.125 },
      input: { shorterSides: [64], maxSize: 96 },
      model: {
        fpnChannels: 16,
        representationSize: 32,
        rpnBatchSizePerImage: 32,
        roiBatchSizePerImage: 32,
        trainPreNmsTopN: 100,
        trainPostNmsTopN: 50,
        testPreNmsTopN: 100,
        testPostNmsTopN: 50,
        maskHeadLayers: [8],
        maskPredictorChannels: 8,
      },
      train: { warmupSteps: 1, logEvery: 1 },
    }),
  );
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('ssdet finetune', () => {
  it('fine-tunes from random init, prints the 12 COCO numbers and writes eval.json', async () => {
    const out = path.join(project, 'run');
    const run = await ssdet(
      project,
      'finetune',
      '--init',
      'random',
      '--train',
      train,
      '--val',
      val,
      '--backbone',
      'resnet18',
      '--config',
      config,
      '--max-steps',
      '2',
      '--batch-size',
      '2',
      '--backend',
      'cpu',
      '--out',
      out,
    );
    expect(run.err).not.toMatch(/at .*\.js:\d+/);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/mask-rcnn: finished at step 2\/2/);
    expect(run.out).toMatch(/AP50 +\d\.\d{3}/);
    const written = JSON.parse(await readFile(path.join(out, 'eval.json'), 'utf8')) as {
      bbox: { stats: number[]; per_category_AP: Record<string, number> };
      segm: { stats: number[]; per_category_AP: Record<string, number> };
    };
    expect(written.bbox.stats).toHaveLength(12);
    expect(written.segm.stats).toHaveLength(12);

    const drawn = path.join(project, 'drawn');
    const detect = await ssdet(
      project,
      'detect',
      '--run',
      out,
      '--images',
      path.join(project, 'val', 'images'),
      '--out',
      drawn,
      '--score',
      '0',
    );
    expect(detect.err).not.toMatch(/at .*\.js:\d+/);
    expect(detect.code).toBe(0);
    expect(detect.out).toMatch(/on 2 image\(s\); drawn into/);
    expect((await readdir(drawn)).sort()).toEqual(['000000.png', '000001.png', 'detections.json']);
  }, 240_000);

  it('names the flag and the path of a missing split, without a stack trace', async () => {
    const run = await ssdet(
      project,
      'finetune',
      '--init',
      'random',
      '--train',
      path.join(project, 'nowhere.json'),
      '--val',
      val,
      '--backend',
      'cpu',
    );
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/--train .*nowhere\.json: no such file or directory/);
    expect(run.err).not.toMatch(/at .*\.js:\d+/);
  }, 60_000);

  it('refuses an --init that is not random, a run directory or a weights file', async () => {
    const run = await ssdet(
      project,
      'finetune',
      '--init',
      path.join(project, 'no-such-run'),
      '--train',
      train,
      '--val',
      val,
      '--backend',
      'cpu',
      '--out',
      path.join(project, 'bad-init'),
    );
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/--init .*no-such-run: no such file or run directory/);
  }, 60_000);
});
