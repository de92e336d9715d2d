import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointManager,
  ConfigError,
  CORE_VERSION_STRING,
  createRootContainer,
  EventBus,
  Logger,
  NonFiniteLossError,
  PluginRegistry,
  RUN_LOCK_FILE,
  selectBackend,
  type SsdetEvent,
} from '@ssdet/core';
import { writeSyntheticDataset } from '../synthetic/write-synthetic-dataset.js';
import { entry as toyEntry, plugin as toyPlugin } from '../test-support/toy-plugin.mjs';
import { runPretraining } from './run-pretraining.js';

const run = promisify(execFile);
const runner = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'test-support',
  'run-toy.mjs',
);
let dir: string;
let data: string;

async function toy(
  outDir: string,
  maxSteps: number,
  ...extra: string[]
): Promise<{ step: number; loss: number }> {
  const { stdout } = await run(process.execPath, [
    runner,
    outDir,
    data,
    String(maxSteps),
    ...extra,
  ]);
  return JSON.parse(stdout) as { step: number; loss: number };
}

async function losses(runDir: string): Promise<number[]> {
  const text = await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { loss: number }).loss);
}

async function finalWeights(runDir: string): Promise<Map<string, number[]>> {
  const latest = await new CheckpointManager(
    path.join(runDir, 'checkpoints'),
    1,
    new Logger(new EventBus(), 'test'),
  ).loadLatest();
  return new Map([...latest!.tensors].map(([name, tensor]) => [name, Array.from(tensor.data)]));
}

function inProcess(bus = new EventBus(), options: { entry?: string } = {}) {
  const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
  registry.add(toyPlugin, { packageName: 'toy', discovery: 'api', ...options });
  return { root: createRootContainer({ bus }), registry };
}

/** Trains the toy method in this process for `maxSteps` steps into `<dir>/<name>`; returns that run directory. */
async function trainToy(
  name: string,
  maxSteps: number,
  sets: string[],
  options: { bus?: EventBus; entry?: string } = {},
): Promise<string> {
  const { root, registry } = inProcess(
    options.bus,
    options.entry === undefined ? {} : { entry: options.entry },
  );
  const runDir = path.join(dir, name);
  await runPretraining(root, registry, {
    method: 'toy',
    data,
    outDir: runDir,
    backend: 'cpu',
    flags: { maxSteps },
    sets,
  });
  return runDir;
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-run-'));
  data = (
    await writeSyntheticDataset({
      out: path.join(dir, 'data'),
      count: 12,
      width: 48,
      height: 40,
      seed: 2,
    })
  ).annotationFile;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runPretraining', () => {
  it('6 steps straight equal 3 steps, SIGKILL, and a resume to 6: same weights and losses (cpu backend, exact)', async () => {
    const straight = path.join(dir, 'straight');
    const killed = path.join(dir, 'killed');
    await toy(straight, 6);
    await expect(toy(killed, 6, '--kill-after-checkpoint', '3')).rejects.toMatchObject({
      signal: 'SIGKILL',
    });
    expect((await losses(killed)).length).toBe(3);
    // The killed run's lock (its process is gone) is taken over; a torn checkpoint write of it is removed.
    expect(existsSync(path.join(killed, RUN_LOCK_FILE))).toBe(true);
    const torn = path.join(killed, 'checkpoints', '.step-000000004.ckpt.999999.tmp');
    await writeFile(torn, new Uint8Array(1024));
    const resumed = await toy(killed, 6, '--resume');
    expect(resumed.step).toBe(6);
    expect(existsSync(torn)).toBe(false);
    expect(existsSync(path.join(killed, RUN_LOCK_FILE))).toBe(false);
    expect(await losses(killed)).toEqual(await losses(straight));
    // Weights, optimizer slots and everything else checkpointed: bit-identical.
    expect(await finalWeights(killed)).toEqual(await finalWeights(straight));
  });

  it('falls back to the previous checkpoint when the newest is damaged, with a warning', async () => {
    const runDir = path.join(dir, 'damaged');
    await toy(runDir, 3);
    const manager = new CheckpointManager(
      path.join(runDir, 'checkpoints'),
      3,
      new Logger(new EventBus(), 'test'),
    );
    const files = await manager.list();
    const newest = files[files.length - 1]!;
    const bytes = await readFile(newest);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    await writeFile(newest, bytes);
    const bus = new EventBus();
    const warnings: string[] = [];
    bus.subscribe((event: SsdetEvent) => {
      if (event.type === 'log' && event.level === 'warn') warnings.push(event.message);
    });
    const latest = await new CheckpointManager(
      path.join(runDir, 'checkpoints'),
      3,
      new Logger(bus, 'test'),
    ).loadLatest();
    expect(latest?.meta.step).toBe(2);
    expect(warnings[0]).toMatch(
      /step-000000003\.ckpt is damaged: its data does not match its checksum\. Falling back/,
    );
  });

  it('stops on a NaN loss naming the step and terms, keeping the last good checkpoint', async () => {
    const runDir = path.join(dir, 'nan');
    const { root, registry } = inProcess();
    const attempt = runPretraining(root, registry, {
      method: 'toy',
      data,
      outDir: runDir,
      backend: 'cpu',
      flags: { maxSteps: 5 },
      sets: ['nanAtStep=2'],
    });
    await expect(attempt).rejects.toBeInstanceOf(NonFiniteLossError);
    await expect(attempt).rejects.toThrow(/Step 3: the loss is not finite \(regression=NaN\)/);
    const files = await new CheckpointManager(
      path.join(runDir, 'checkpoints'),
      3,
      new Logger(new EventBus(), 'test'),
    ).list();
    expect(path.basename(files[files.length - 1]!)).toBe('step-000000002.ckpt');
  });

  it('reports configuration errors by key path and value', async () => {
    const { root, registry } = inProcess();
    const attempt = runPretraining(root, registry, {
      method: 'toy',
      data,
      outDir: path.join(dir, 'bad'),
      backend: 'cpu',
      sets: ['train.batchSize=many', 'train.optimizer.lr=-1'],
    });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/train\.batchSize: got "many"; expected number/);
    await expect(runPretraining(root, registry, { method: 'toy', outDir: dir })).rejects.toThrow(
      /--data <folder \| coco\.json \| list\.txt>, or --demo/,
    );
  });

  it('writes dataset.json and the views of every sample of the first batch for the report', async () => {
    const runDir = await trainToy('described', 1, ['train.batchSize=4']);
    const described = JSON.parse(await readFile(path.join(runDir, 'dataset.json'), 'utf8'));
    // The COCO json knows every image's size: 12 images of 48 × 40.
    expect(described).toMatchObject({
      images: 12,
      imageSizes: {
        measured: 12,
        width: { min: 48, median: 48, max: 48 },
        height: { min: 40, median: 40, max: 40 },
      },
    });
    expect(described.description).toContain('coco');
    const previews = await readdir(path.join(runDir, 'views'));
    const samples = new Set(previews.map((file) => file.slice(0, file.lastIndexOf('-'))));
    expect(samples.size).toBe(4);
  });

  it('accumulating 2 micro-batches of 2 makes the same step as one batch of 4', async () => {
    const weightsAfterOneStep = async (name: string, sets: string[]) =>
      finalWeights(await trainToy(name, 1, sets));
    const whole = await weightsAfterOneStep('whole', ['train.batchSize=4']);
    const accumulated = await weightsAfterOneStep('accumulated', [
      'train.batchSize=2',
      'train.accumulate=2',
    ]);
    for (const [name, values] of whole) {
      const other = accumulated.get(name)!;
      values.forEach((value, i) => expect(Math.abs(value - other[i]!)).toBeLessThan(1e-6));
    }
  });

  it('a dataset smaller than one step suggests a batch size that fits, or the demo recipe', async () => {
    const { root, registry } = inProcess();
    const attempt = (extra: object) =>
      runPretraining(root, registry, {
        method: 'toy',
        data,
        outDir: path.join(dir, 'too-small'),
        backend: 'cpu',
        dryRun: true,
        flags: { batchSize: 16 },
        ...extra,
      });
    await expect(attempt({})).rejects.toMatchObject({
      code: 'DATASET_TOO_SMALL',
      message: expect.stringMatching(
        /has 12 image file\(s\): fewer than one optimizer step of 16 × 1\.$/,
      ) as unknown,
      hint: `Pass --batch-size 12 (or less), or try the small demo recipe on your photos: --demo --data ${data}.`,
    });
    await expect(attempt({ preset: 'demo' })).rejects.toMatchObject({
      hint: 'Pass --batch-size 12 (or less).',
    });
  });

  it('a dry run resolves the plan without training', async () => {
    const { root, registry } = inProcess();
    const outcome = await runPretraining(root, registry, {
      method: 'toy',
      data,
      outDir: path.join(dir, 'dry'),
      backend: 'cpu',
      dryRun: true,
      flags: { batchSize: 2, epochs: 3 },
    });
    expect(outcome.result).toBeUndefined();
    expect([outcome.stepsPerEpoch, outcome.totalSteps]).toEqual([6, 18]);
    expect((outcome.config['train'] as { batchSize: number }).batchSize).toBe(2);
  });

  it('applies a named preset with --preset, and refuses it beside --demo', async () => {
    const { root, registry } = inProcess();
    const plan = await runPretraining(root, registry, {
      method: 'toy',
      data,
      preset: 'demo',
      outDir: path.join(dir, 'preset'),
      backend: 'cpu',
      dryRun: true,
    });
    expect(plan.totalSteps).toBe(4); // the toy's demo preset: train.maxSteps 4
    await expect(
      runPretraining(root, registry, {
        method: 'toy',
        demo: true,
        preset: 'star',
        outDir: path.join(dir, 'preset-demo'),
        dryRun: true,
      }),
    ).rejects.toThrow(/--preset star and --demo both choose a preset/);
    await expect(
      runPretraining(root, registry, {
        method: 'toy',
        data,
        preset: 'star',
        outDir: path.join(dir, 'preset-unknown'),
        dryRun: true,
      }),
    ).rejects.toThrow(/Plugin "toy" has no preset "star"; it has demo/);
  });

  it('logs and guards the total the optimizer differentiates, not the sum of the terms', async () => {
    const runDir = await trainToy('diagnostic', 2, ['diagnostic=true']);
    const records = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { loss: number; terms: Record<string, number> });
    expect(records).toHaveLength(2);
    for (const { loss, terms } of records) {
      expect(loss).toBeCloseTo(terms['regression']!, 6);
      expect(terms['diagnostic']).toBeCloseTo(3 * terms['regression']!, 5);
    }
  });

  it('reports the share of time spent waiting for data in each step event and metrics line', async () => {
    const bus = new EventBus();
    const fromEvents: number[] = [];
    bus.subscribe((event: SsdetEvent) => {
      if (event.type === 'train.step') fromEvents.push(event.dataWaitFraction);
    });
    const runDir = await trainToy('data-wait', 3, ['train.logEvery=1'], { bus });
    const fromMetrics = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { dataWaitFraction: number }).dataWaitFraction);
    expect(fromEvents).toHaveLength(3);
    expect(fromEvents).toEqual(fromMetrics);
    for (const fraction of fromEvents) {
      expect(fraction).toBeGreaterThan(0); // the loader is awaited before every step
      expect(fraction).toBeLessThanOrEqual(1);
    }
  });

  it('decodes and augments in worker threads built from the plugin, with the same batches', async () => {
    const lossesWith = async (name: string, workers: number, entry?: string) => {
      const bus = new EventBus();
      const warnings: string[] = [];
      bus.subscribe((event: SsdetEvent) => {
        if (event.type === 'log' && event.level === 'warn') warnings.push(event.message);
      });
      const runDir = await trainToy(name, 3, [`train.data.workers=${workers}`], {
        bus,
        ...(entry === undefined ? {} : { entry }),
      });
      return { losses: await losses(runDir), warnings };
    };
    const inThread = await lossesWith('workers-0', 0);
    const threaded = await lossesWith('workers-2', 2, toyEntry);
    expect(threaded.warnings.filter((w) => /workers/.test(w))).toEqual([]);
    expect(threaded.losses).toEqual(inThread.losses);
    // Registered without its module file, the plugin cannot be rebuilt in a worker: said, not silent.
    const unknown = await lossesWith('workers-unknown', 2);
    expect(unknown.warnings.join('\n')).toMatch(
      /train\.data\.workers = 2 is ignored: views run on the training thread \(plugin "toy" was registered without its module file/,
    );
    expect(unknown.losses).toEqual(inThread.losses);
  });

  it('refuses to start a second run in a used directory; --force replaces it, --resume extends it', async () => {
    const runDir = await trainToy('reused', 3, []);
    const { root, registry } = inProcess();
    const request = { method: 'toy', data, outDir: runDir, backend: 'cpu' as const };
    await expect(
      runPretraining(root, registry, { ...request, flags: { maxSteps: 2 } }),
    ).rejects.toMatchObject({ code: 'RUN_DIR_NOT_EMPTY' });
    expect(await readdir(path.join(runDir, 'checkpoints'))).toContain('step-000000003.ckpt');

    // --resume of a finished run: nothing to train, and no loss to report.
    const finished = await runPretraining(root, registry, { ...request, resume: true });
    expect(finished.result).toMatchObject({ stepsRun: 0, lastLoss: undefined });
    expect(finished.result?.position.step).toBe(3);

    // --resume --max-steps 5 extends it, and the flag it cannot honour is named.
    const bus = new EventBus();
    const warnings: string[] = [];
    bus.subscribe((event: SsdetEvent) => {
      if (event.type === 'log' && event.level === 'warn') warnings.push(event.message);
    });
    const extended = await runPretraining(createRootContainer({ bus }), registry, {
      ...request,
      resume: true,
      flags: { maxSteps: 5, batchSize: 2 },
    });
    expect(extended.result).toMatchObject({ stepsRun: 2, position: { step: 5 } });
    expect(Number.isFinite(extended.result?.lastLoss)).toBe(true);
    expect(warnings.join('\n')).toMatch(/ignored: --batch-size 2\./);
    expect(await losses(runDir)).toHaveLength(5);

    // --force: a new run, with none of the old one's checkpoints or metrics beside it.
    const replaced = await runPretraining(root, registry, {
      ...request,
      force: true,
      flags: { maxSteps: 2 },
    });
    expect(replaced.result?.position.step).toBe(2);
    const kept = await readdir(path.join(runDir, 'checkpoints'));
    expect(kept).toContain('step-000000002.ckpt');
    expect(kept.filter((name) => !/^step-00000000[12]\.ckpt$/.test(name))).toEqual([]);
    expect(await losses(runDir)).toHaveLength(2);
  });

  it('two runs never write one directory: the second is refused while the first trains', async () => {
    const runDir = path.join(dir, 'concurrent');
    const first = spawn(process.execPath, [runner, runDir, data, '100000']);
    const exited = new Promise((resolve) => first.on('exit', resolve));
    try {
      while (!existsSync(path.join(runDir, RUN_LOCK_FILE)))
        await new Promise((resolve) => setTimeout(resolve, 20));
      const { root, registry } = inProcess();
      for (const extra of [{}, { resume: true }, { force: true }])
        await expect(
          runPretraining(root, registry, {
            method: 'toy',
            data,
            outDir: runDir,
            backend: 'cpu',
            flags: { maxSteps: 2 },
            ...extra,
          }),
        ).rejects.toMatchObject({
          code: 'RUN_DIR_LOCKED',
          message: expect.stringContaining(`pid ${first.pid}`) as unknown,
        });
    } finally {
      first.kill('SIGKILL');
      await exited;
    }
  });
});
