import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-proseco-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('proseco through runPretraining on the bundled demo data', () => {
  it(
    'trains the demo (Selective Search boxes, student and EMA teacher), lowers the loss and names its detector',
    { timeout: 600_000 },
    async () => {
      const bus = new EventBus();
      const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
      registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
      const runDir = path.join(dir, 'demo');
      const outcome = await runPretraining(createRootContainer({ bus }), registry, {
        method: 'proseco',
        demo: true,
        // The mechanics on a random fixed CNN; the chain that gives it a pre-trained one needs a
        // CNN method installed (the CLI's demo).
        sets: ['backboneWeights=random'],
        outDir: runDir,
        backend: 'cpu',
        cacheDir: path.join(dir, 'cache'),
      });
      expect(outcome.result!.position.step).toBe(20);

      const metrics = await readMetricsJsonl(path.join(runDir, 'metrics.jsonl'));
      expect(metrics.map((record) => record.step)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (const record of metrics) {
        expect(Number.isFinite(record.loss)).toBe(true);
        expect(Object.keys(record.terms).sort()).toEqual([
          'loss_bbox',
          'loss_ce',
          'loss_giou',
          'loss_locinfonce',
        ]);
        expect(Object.values(record.terms).reduce((a, b) => a + b, 0)).toBeCloseTo(record.loss, 3);
        expect(record.momentum).toBe(0.9);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const losses = metrics.map((r) => r.loss);
      expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));

      expect(Object.keys(outcome.method.exports()).sort()).toEqual(['backbone', 'detector']);
      // What `ssdet benchmark` / `ssdet finetune` read to fine-tune the right detector.
      const echo = await readConfigFile(path.join(runDir, 'config.yaml'));
      expect(echo).toMatchObject({
        method: 'proseco',
        detector: 'deformable-detr',
        numQueries: 30,
        transformer: { dModel: 32, dimFeedforward: 64, encoderLayers: 2, numLevels: 4 },
      });
    },
  );
});
