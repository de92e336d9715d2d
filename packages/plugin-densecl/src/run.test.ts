import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  EventBus,
  PluginRegistry,
  CORE_VERSION_STRING,
  createRootContainer,
  selectBackend,
} from '@ssdet/core';
import { runPretraining } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

let dir: string;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-densecl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function losses(runDir: string): Promise<number[]> {
  const text = await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { loss: number }).loss);
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('DenseCL through runPretraining on the bundled demo data', () => {
  it(
    'trains with the demo preset (smaller) and lowers the loss once the queues hold real keys',
    { timeout: 120_000 },
    async () => {
      const bus = new EventBus();
      const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
      registry.add(plugin, { packageName: '@ssdet/plugin-densecl', discovery: 'api' });
      const runDir = path.join(dir, 'demo');
      const outcome = await runPretraining(createRootContainer({ bus }), registry, {
        method: 'densecl',
        demo: true,
        cacheDir: path.join(dir, 'cache'),
        outDir: runDir,
        backend: 'cpu',
        // The demo preset at 64 pixels and 12 steps, to stay well under a minute on a busy machine.
        sets: ['imageSize=64', 'train.maxSteps=12', 'train.data.workers=0'],
      });
      const curve = await losses(runDir);
      expect(outcome.result?.position.step).toBe(outcome.totalSteps);
      // The queues start with random unit vectors, against which the first losses are low; they hold
      // only real keys once queueSize / batchSize = 2 steps have been enqueued. Compare from there.
      const filled = curve.slice(2);
      expect(
        mean(filled.slice(-3)),
        `losses ${curve.map((l) => l.toFixed(3)).join(' ')}`,
      ).toBeLessThan(mean(filled.slice(0, 3)));
      expect(outcome.config['queueSize']).toBe(16);
    },
  );
});
