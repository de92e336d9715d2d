import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CORE_VERSION_STRING,
  EventBus,
  PluginRegistry,
  createRootContainer,
  readMetricsJsonl,
  type SsdetEvent,
} from '@ssdet/core';
import { runPretraining } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugin } from './plugin.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-detreg-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detreg through runPretraining on the bundled demo data', () => {
  it(
    'trains the demo (Selective Search priors, teacher crops, Deformable DETR) and lowers the loss',
    { timeout: 600_000 },
    async () => {
      const bus = new EventBus();
      const events: SsdetEvent[] = [];
      bus.subscribe((event: SsdetEvent) => events.push(event));
      const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
      registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
      const runDir = path.join(dir, 'demo');
      const outcome = await runPretraining(createRootContainer({ bus }), registry, {
        method: 'detreg',
        demo: true,
        // The mechanics on a random frozen CNN and teacher; the chain that gives them a
        // pre-trained one needs a CNN method installed (the CLI's demo).
        sets: ['backboneWeights=random'],
        outDir: runDir,
        backend: 'cpu',
        cacheDir: path.join(dir, 'cache'),
      });
      const result = outcome.result!;
      expect(result.position.step).toBe(20);
      const warnings = events
        .filter((e) => e.type === 'log' && e.level === 'warn')
        .map((e) => (e.type === 'log' ? e.message : ''));
      expect(warnings.some((m) => /backboneWeights=random .* an ablation/.test(m))).toBe(true);

      const metrics = await readMetricsJsonl(path.join(runDir, 'metrics.jsonl'));
      expect(metrics.map((record) => record.step)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (const record of metrics) {
        expect(Number.isFinite(record.loss)).toBe(true);
        const terms = record.terms;
        expect(Object.keys(terms).sort()).toEqual([
          'loss_bbox',
          'loss_ce',
          'loss_giou',
          'loss_object_embedding',
        ]);
        expect(Object.values(terms).reduce((a, b) => a + b, 0)).toBeCloseTo(record.loss, 3);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const losses = metrics.map((r) => r.loss);
      const first = mean(losses.slice(0, 4));
      const last = mean(losses.slice(-4));
      expect(last).toBeLessThan(first);
      expect(Object.keys(outcome.method.exports()).sort()).toEqual(['backbone', 'detector']);
    },
  );
});
