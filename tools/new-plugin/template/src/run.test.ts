import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CORE_VERSION_STRING,
  EventBus,
  PluginRegistry,
  createRootContainer,
  readConfigFile,
  readMetricsJsonl,
} from '@ssdet/core';
import { runPretraining } from '@ssdet/data';
import { exportStateDict, readSafetensors, writeSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-__method__-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('__method__ through runPretraining on the bundled demo data', () => {
  it(
    'trains 3 steps, logs and checkpoints them, and exports a torchvision backbone',
    { timeout: 120_000 },
    async () => {
      const bus = new EventBus();
      const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
      registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
      const runDir = path.join(dir, 'demo');
      const outcome = await runPretraining(createRootContainer({ bus }), registry, {
        method: '__method__',
        demo: true,
        flags: { maxSteps: 3 },
        outDir: runDir,
        backend: 'cpu',
        cacheDir: path.join(dir, 'cache'),
      });

      const result = outcome.result!;
      expect(outcome.totalSteps).toBe(3);
      expect(result.position.step).toBe(3);
      expect(result.stoppedEarly).toBe(false);
      expect(Number.isFinite(result.lastLoss)).toBe(true);

      const metrics = await readMetricsJsonl(path.join(runDir, 'metrics.jsonl'));
      expect(metrics.map((record) => record.step)).toEqual([1, 2, 3]);
      for (const record of metrics) {
        expect(Number.isFinite(record.loss)).toBe(true);
        expect(record.terms['regression']).toBeCloseTo(record.loss, 5);
        expect(record.momentum).toBeGreaterThanOrEqual(0.996);
      }

      expect(result.lastCheckpoint).toMatch(/step-0+3\.ckpt$/);
      expect(existsSync(result.lastCheckpoint!)).toBe(true);
      const echo = await readConfigFile(path.join(runDir, 'config.yaml'));
      expect(echo).toMatchObject({
        method: '__method__',
        plugin: { version: manifest.version },
        imageSize: 64,
        train: { maxSteps: 3, batchSize: 8 },
      });

      // What `ssdet pretrain` writes at the end of a run: the online backbone, torchvision names.
      const backbone = outcome.method.exports()['backbone']!;
      const file = path.join(runDir, 'backbone.safetensors');
      await writeFile(file, writeSafetensors(exportStateDict({ variables: () => backbone })));
      const { tensors } = readSafetensors(await readFile(file), file);
      expect(tensors.has('conv1.weight')).toBe(true);
      expect(tensors.has('layer4.1.bn2.running_var')).toBe(true);
      expect([...tensors.keys()].some((name) => /projector|predictor|target/.test(name))).toBe(
        false,
      );
    },
  );
});
