import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectClose } from '@ssdet/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointAt,
  expectCheckpointsClose,
  mpiJobsUnavailable,
  readStepMetrics,
  ssdetAlone,
  ssdetUnderMpirun,
  worstRelativeDifference,
} from '../test-support/mpi-job.js';

const missing = mpiJobsUnavailable();

let dir: string;
/**
 * The SoCo demo recipe (ResNet-18/8 + FPN + box head, all with BatchNorm; LARS at lr 1) at global
 * batch 8, checkpointing every step, with Selective Search cached in the test's directory: the
 * first run fills it, the others read it.
 */
const soco = (...extra: string[]) => [
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
  '--set',
  'train.checkpointEvery=1',
  '--set',
  'train.keepCheckpoints=10',
  ...extra,
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-mpi-soco-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/*
 * Tolerances. np 2 with SyncBN computes one process's sums in another order, nothing else, and
 * steps 1–4 agree within 4·10⁻⁷ (losses) and weights after steps 1–2 within 4·10⁻⁶. The demo
 * recipe then collapses quickly (loss −0.07 → −4.7 in 5 steps) and becomes ill-conditioned: one
 * process against itself with 2 threads instead of 1 differs by 7.5·10⁻⁶ in loss 4 and 4.8·10⁻⁴
 * in loss 5, and np 2 by 2.6·10⁻⁴ in loss 5, with BatchNorm biases 0.06–0.08 apart after step 4
 * either way. A lower lr does not help: at lr 0.01 (every-level pooling) np 2 differs from one
 * process by 4.6·10⁻⁵ in loss 4 and 5.2·10⁻⁴ in loss 5, and so does ONE process whose BatchNorm
 * layers run SyncBN's code path on their own batch (the same arithmetic as the fused kernel,
 * rounded in another order): 3.2·10⁻⁵ and 1.8·10⁻⁴. Even at lr 0.001 that one-process probe moves
 * loss 5 by 6.9·10⁻⁵ (np 2: 3.2·10⁻⁵) and BatchNorm gradients by up to 30 % at step 4: the
 * recipe's BatchNorm gradients (tiny maps, near-constant channels) amplify rounding whatever the
 * lr. So the late steps are held to that float-order noise, not to 1e-5; per-rank BatchNorm (the
 * second test) is off by 10⁻⁴ already at step 1.
 */
describe.skipIf(missing !== undefined)(
  `ssdet pretrain --method soco under mpirun (demo, np 2 × 1 thread)${missing === undefined ? '' : ` — skipped: ${missing}`}`,
  () => {
    it('np 2 × batch 4 with SyncBN (SoCo’s default) trains like one process × batch 8', async () => {
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
      const losses = (records: typeof a, from: number, to: number) =>
        records.slice(from, to).flatMap((record) => [record.loss, ...Object.values(record.terms)]);
      expectClose(losses(b, 0, 4), losses(a, 0, 4), 1e-5, {
        relative: 'element',
        label: 'losses of steps 1–4 ',
      });
      expectClose(losses(b, 4, 5), losses(a, 4, 5), 1e-3, {
        relative: 'element',
        label: 'losses of step 5 ',
      });
      for (const [step, tolerance] of [
        [1, 1e-5],
        [2, 1e-5],
        [3, 1e-4],
      ] as const) {
        const [wa, wb] = [(await checkpointAt(one, step))!, (await checkpointAt(two, step))!];
        expectCheckpointsClose(wb, wa, tolerance, `step ${step}: `);
      }
    }, 600_000);

    it('without SyncBN (train.syncBn=false) np 2 normalises per rank and the first loss already differs', async () => {
      const perRank = path.join(dir, 'per-rank');
      const pair = await ssdetUnderMpirun(dir, 2, [
        ...soco('--set', 'train.syncBn=false'),
        '--max-steps',
        '1',
        '--out',
        perRank,
      ]);
      expect(pair.code, pair.output).toBe(0);
      const [a, b] = [await readStepMetrics(path.join(dir, 'one')), await readStepMetrics(perRank)];
      expect(worstRelativeDifference([b[0]!.loss], [a[0]!.loss])).toBeGreaterThan(1e-4);
    }, 300_000);
  },
);
