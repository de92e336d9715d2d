import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectClose } from '@ssdet/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  latestCheckpoint,
  mpiJobsUnavailable,
  readStepMetrics,
  ssdetAlone,
  ssdetUnderMpirun,
  worstRelativeDifference,
} from '../test-support/mpi-job.js';

const missing = mpiJobsUnavailable();

let dir: string;
/**
 * The SoCo demo recipe (ResNet-18/8 + FPN + box head, all with BatchNorm) at global batch 8, with
 * Selective Search cached in the test's directory: the first run fills it, the others read it.
 */
const soco = () => [
  'pretrain',
  '--method',
  'soco',
  '--demo',
  '--batch-size',
  '8',
  '--set',
  'train.data.workers=0',
  '--set',
  `regions.cacheDir=${path.join(dir, 'regions')}`,
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-mpi-soco-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(missing !== undefined)(
  `ssdet pretrain --method soco under mpirun (demo, np 2 × 1 thread)${missing === undefined ? '' : ` — skipped: ${missing}`}`,
  () => {
    it('np 2 × batch 4 with SyncBN (SoCo’s default) equals one process × batch 8: per-step losses and final weights within 1e-5 over 5 steps', async () => {
      const one = path.join(dir, 'one');
      const two = path.join(dir, 'two');
      const alone = await ssdetAlone(dir, [...soco(), '--max-steps', '5', '--out', one]);
      expect(alone.code, alone.output).toBe(0);
      const pair = await ssdetUnderMpirun(dir, 2, [...soco(), '--max-steps', '5', '--out', two]);
      expect(pair.code, pair.output).toBe(0);
      expect(pair.output.match(/Finished at step 5\/5/g)).toHaveLength(1);
      // SyncBN was on without --sync-bn: it is SoCo's default, as in the official code.
      expect(await readFile(path.join(two, 'config.yaml'), 'utf8')).toMatch(/syncBn: true/);

      const [a, b] = [await readStepMetrics(one), await readStepMetrics(two)];
      expect(b.map((record) => record.step)).toEqual([1, 2, 3, 4, 5]);
      // It trained: the loss moves from step to step.
      expect(new Set(a.map((record) => record.loss)).size).toBe(5);
      expectClose(
        b.map((record) => record.loss),
        a.map((record) => record.loss),
        1e-5,
        { relative: 'element', label: 'loss ' },
      );
      for (const term of Object.keys(a[0]!.terms))
        expectClose(
          b.map((record) => record.terms[term]!),
          a.map((record) => record.terms[term]!),
          1e-5,
          { relative: 'element', label: `${term} ` },
        );
      const [wa, wb] = [(await latestCheckpoint(one))!, (await latestCheckpoint(two))!];
      expect(wb.meta.worldSize).toBe(2);
      expect([...wb.tensors.keys()].sort()).toEqual([...wa.tensors.keys()].sort());
      for (const [name, tensor] of wa.tensors)
        expectClose(wb.tensors.get(name)!.data, tensor.data, 1e-5, {
          relative: 'element',
          label: `${name} `,
        });
    }, 600_000);

    it('without SyncBN (train.syncBn=false) np 2 normalises per rank and the first loss already differs', async () => {
      const one = path.join(dir, 'one');
      const perRank = path.join(dir, 'per-rank');
      const pair = await ssdetUnderMpirun(dir, 2, [
        ...soco(),
        '--set',
        'train.syncBn=false',
        '--max-steps',
        '1',
        '--out',
        perRank,
      ]);
      expect(pair.code, pair.output).toBe(0);
      const [a, b] = [await readStepMetrics(one), await readStepMetrics(perRank)];
      expect(worstRelativeDifference([b[0]!.loss], [a[0]!.loss])).toBeGreaterThan(1e-4);
    }, 300_000);
  },
);
