import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointManager,
  CORE_VERSION_STRING,
  createRootContainer,
  EventBus,
  Logger,
  PluginRegistry,
  type ProcessGroup,
  selectBackend,
} from '@ssdet/core';
import { writeSyntheticDataset } from '../synthetic/write-synthetic-dataset.js';
import { plugin as toyPlugin } from '../test-support/toy-plugin.mjs';
import { runPretraining } from './run-pretraining.js';
import { MirroredProcessGroup } from './test-support/mirrored-process-group.js';

let dir: string;
let data: string;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-ranks-'));
  data = (
    await writeSyntheticDataset({
      out: path.join(dir, 'data'),
      count: 8,
      width: 40,
      height: 32,
      seed: 4,
    })
  ).annotationFile;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The toy method (global batch 4) as one rank of `group`, `maxSteps` steps into `<dir>/<name>`. */
async function trainToy(
  name: string,
  maxSteps: number,
  group: ProcessGroup | undefined,
  extra: { resume?: boolean; sets?: string[]; warnings?: string[] } = {},
) {
  const bus = new EventBus();
  bus.subscribe((event) => {
    if (event.type === 'log' && event.level === 'warn') extra.warnings?.push(event.message);
  });
  const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
  registry.add(toyPlugin, { packageName: 'toy', discovery: 'api' });
  return runPretraining(createRootContainer({ bus }), registry, {
    method: 'toy',
    data,
    outDir: path.join(dir, name),
    backend: 'cpu',
    flags: { maxSteps },
    sets: extra.sets ?? [],
    ...(extra.resume === undefined ? {} : { resume: extra.resume }),
    ...(group === undefined ? {} : { processGroup: group }),
  });
}

async function latestMeta(runDir: string) {
  const latest = await new CheckpointManager(
    path.join(runDir, 'checkpoints'),
    1,
    new Logger(new EventBus(), 'test'),
  ).loadLatest();
  return latest!.meta;
}

describe('runPretraining as one rank of a data-parallel run', () => {
  it('rank 1 trains with the collectives and writes nothing; rank 0 writes the run, worldSize in its checkpoints', async () => {
    const rank1 = new MirroredProcessGroup(1, 2);
    const outcome = await trainToy('rank1', 3, rank1);
    expect(outcome.result!.position.step).toBe(3);
    expect(outcome.result!.lastCheckpoint).toBeUndefined();
    expect(outcome.backboneFile).toBeUndefined();
    expect(existsSync(path.join(dir, 'rank1'))).toBe(false);

    // Start: one barrier (after rank 0 claimed the directory), then one broadcast of every
    // variable (3 of the model, the SGD momentum slots). Each step: one allreduce-mean of the
    // loss (+ stop flag), then one fused allreduce-sum of the 3 gradients behind a buffer that
    // counts the ranks holding each.
    const ops = rank1.calls.map((call) => call.op);
    expect(ops.slice(0, 2)).toEqual(['barrier', 'broadcast']);
    expect(rank1.calls[1]!.lengths.length).toBeGreaterThanOrEqual(3);
    const steps = rank1.calls.slice(2);
    expect(steps.map((call) => call.op)).toEqual(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? 'allreduce-mean' : 'allreduce-sum')),
    );
    const toyVariables = [3 * 3 * 3 * 4, 4, 4 * 8].sort((a, b) => a - b);
    for (let step = 0; step < 3; step++) {
      expect(steps[2 * step]!.lengths).toEqual([3]); // the loss, its one logged term, the stop flag
      const [presence, ...gradients] = steps[2 * step + 1]!.lengths;
      expect(presence).toBe(3);
      expect([...gradients].sort((a, b) => a - b)).toEqual(toyVariables);
    }

    const rank0 = new MirroredProcessGroup(0, 2);
    const runDir = path.join(dir, 'rank0');
    const written = await trainToy('rank0', 3, rank0);
    expect(written.result!.lastCheckpoint).toBeDefined();
    expect((await latestMeta(runDir)).worldSize).toBe(2);
    expect(await readdir(runDir)).toEqual(
      expect.arrayContaining(['checkpoints', 'config.yaml', 'metrics.jsonl', 'views']),
    );
    expect(
      (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n'),
    ).toHaveLength(3);
    // Every rank does the same collectives in the same order.
    expect(rank0.calls).toEqual(rank1.calls);
  });

  it('--resume with another number of processes: one line naming both', async () => {
    await trainToy('single', 2, undefined);
    expect((await latestMeta(path.join(dir, 'single'))).worldSize).toBe(1);
    await expect(
      trainToy('single', 3, new MirroredProcessGroup(0, 2), { resume: true }),
    ).rejects.toThrow(
      /step-000000002\.ckpt was written by a run of 1 process\(es\), this run has 2; resume with the same number of processes \(mpirun -np 1\)/,
    );
    await trainToy('pair', 2, new MirroredProcessGroup(0, 2));
    await expect(trainToy('pair', 3, undefined, { resume: true })).rejects.toMatchObject({
      code: 'RESUME_WORLD_SIZE_MISMATCH',
      message: expect.stringMatching(/run of 2 process\(es\), this run has 1;/),
    });
    // The same number of processes continues.
    const resumed = await trainToy('pair', 3, new MirroredProcessGroup(0, 2), { resume: true });
    expect(resumed.result!.stepsRun).toBe(1);
  });

  it('warns once that train.syncBn has no effect on a method without SyncBN, and trains as without it', async () => {
    const warnings: string[] = [];
    const rank0 = new MirroredProcessGroup(0, 2);
    await trainToy('sync-bn', 1, rank0, { sets: ['train.syncBn=true'], warnings });
    expect(warnings.filter((message) => message.includes('syncBn'))).toEqual([
      'train.syncBn (--sync-bn): toy has no synchronised BatchNorm, so the setting has no effect; its BatchNorm statistics stay per process.',
    ]);
    const plain: string[] = [];
    const without = new MirroredProcessGroup(0, 2);
    await trainToy('no-sync-bn', 1, without, { warnings: plain });
    expect(plain.filter((message) => message.includes('syncBn'))).toEqual([]);
    expect(rank0.calls).toEqual(without.calls);
  });

  it('refuses a global batch the processes cannot share evenly, and skipping bad images', async () => {
    await expect(trainToy('odd', 1, new MirroredProcessGroup(0, 3))).rejects.toThrow(
      /train\.batchSize \(--batch-size\) 4 is the global batch and must be divisible by the 3 processes/,
    );
    await expect(
      trainToy('skip', 1, new MirroredProcessGroup(0, 2), { sets: ['train.data.onBadImage=skip'] }),
    ).rejects.toThrow(/onBadImage = skip is not supported with 2 processes/);
  });
});
