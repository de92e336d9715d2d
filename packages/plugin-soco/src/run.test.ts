import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createRootContainer,
  CORE_VERSION_STRING,
  EventBus,
  PluginRegistry,
  selectBackend,
} from '@ssdet/core';
import { runPretraining, writeSyntheticDataset } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

const STEPS = 12;
let dir: string;
let data: string;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-soco-'));
  data = (
    await writeSyntheticDataset({
      out: path.join(dir, 'data'),
      count: 4,
      width: 160,
      height: 120,
      seed: 3,
    })
  ).annotationFile;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SoCo through runPretraining', () => {
  it('trains the demo preset on synthetic scenes, caches proposals, lowers the loss and records the momentum', async () => {
    const bus = new EventBus();
    const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
    registry.add(plugin, { packageName: '@ssdet/plugin-soco', discovery: 'api' });
    const cacheDir = path.join(dir, 'regions');
    const outcome = await runPretraining(createRootContainer({ bus }), registry, {
      method: 'soco',
      data,
      demo: true,
      outDir: path.join(dir, 'run'),
      backend: 'cpu',
      // Cheaper heads than the demo's keep this under a minute on a loaded 2-core machine.
      sets: [
        `regions.cacheDir=${cacheDir}`,
        `train.maxSteps=${STEPS}`,
        'roi.outputSize=4',
        'head.numConvs=2',
      ],
    });
    expect(outcome.result?.position.step).toBe(STEPS);
    const records = (await readFile(path.join(dir, 'run', 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { loss: number; momentum: number; terms: Record<string, number> },
      );
    expect(records.length).toBe(STEPS);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const first = mean(records.slice(0, 3).map((r) => r.loss));
    const last = mean(records.slice(-3).map((r) => r.loss));
    // eslint-disable-next-line no-console
    console.log('soco run losses', records.map((r) => r.loss.toFixed(3)).join(' '));
    expect(last).toBeLessThan(first);
    expect(Object.keys(records[0]!.terms)).toEqual(['v1_v2', 'v1_v3']);
    expect(records[0]!.momentum).toBeGreaterThanOrEqual(0.99);
    expect(records[records.length - 1]!.momentum).toBe(1);
    const cached = await readFile(path.join(dir, 'run', 'config.yaml'), 'utf8');
    expect(cached).toMatch(/preset: soco/);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(cacheDir)).length).toBeGreaterThan(0);
  }, 240_000);
});
