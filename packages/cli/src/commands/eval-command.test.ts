import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readReferenceJson } from '@ssdet/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { captureIo } from '../test-support/capture-io.js';

/** pycocotools' results on fixed cases (tools/reference/transfer/make_coco_eval_fixtures.py). */
const fixture = readReferenceJson<{
  cases: { name: string; iouType: string; gt: unknown; dt: unknown[]; stats: number[] }[];
}>('transfer', 'coco_eval.json');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-eval-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ssdet eval', () => {
  for (const name of ['bbox_crowd', 'segm_mixed']) {
    it(`${name}: writes pycocotools' 12 stats and per-category AP`, async () => {
      const testCase = fixture.cases.find((c) => c.name === name)!;
      await writeFile(path.join(dir, `${name}-gt.json`), JSON.stringify(testCase.gt));
      await writeFile(path.join(dir, `${name}-dt.json`), JSON.stringify(testCase.dt));
      const io = captureIo(dir);
      const code = await runCli(
        [
          'eval',
          '--gt',
          `${name}-gt.json`,
          '--dt',
          `${name}-dt.json`,
          '--iou-type',
          testCase.iouType,
          '--json',
          `out/${name}.json`,
        ],
        io,
      );
      expect(io.err).toBe('');
      expect(code).toBe(0);
      expect(io.out).toMatch(
        new RegExp(`COCO ${testCase.iouType} evaluation: ${testCase.dt.length} detections`),
      );
      const written = JSON.parse(
        await readFile(path.join(dir, 'out', `${name}.json`), 'utf8'),
      ) as Record<string, { stats: number[]; per_category_AP: Record<string, number> }>;
      expect(Object.keys(written)).toEqual([testCase.iouType]);
      written[testCase.iouType]!.stats.forEach((value, i) =>
        expect(value).toBeCloseTo(testCase.stats[i]!, 12),
      );
    });
  }

  it('names the file and the entry of a result on an unknown image, in one line', async () => {
    const testCase = fixture.cases.find((c) => c.name === 'bbox_basic')!;
    await writeFile(path.join(dir, 'gt.json'), JSON.stringify(testCase.gt));
    await writeFile(
      path.join(dir, 'dt.json'),
      JSON.stringify([{ image_id: 424242, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]),
    );
    const io = captureIo(dir);
    expect(await runCli(['eval', '--gt', 'gt.json', '--dt', 'dt.json'], io)).toBe(1);
    expect(io.err).toMatch(
      /dt\.json: \[0\]\.image_id: expected an image id of the ground truth \(424242 is not one\)/,
    );
    expect(io.err).not.toMatch(/\n\s+at /);
    const missing = captureIo(dir);
    expect(await runCli(['eval', '--gt', 'nope.json', '--dt', 'dt.json'], missing)).toBe(1);
    expect(missing.err).toMatch(/--gt .*nope\.json: cannot read it \(ENOENT\)/);
  });
});
