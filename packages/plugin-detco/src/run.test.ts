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
import { DETCO_STAGES } from './heads.js';
import { plugin } from './plugin.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-detco-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DetCo through runPretraining on the bundled demo data', () => {
  it(
    'trains the demo preset (shorter), logs twelve terms, checkpoints, and exports a torchvision backbone',
    { timeout: 180_000 },
    async () => {
      const bus = new EventBus();
      const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
      registry.add(plugin, { packageName: manifest.name, discovery: 'api' });
      const runDir = path.join(dir, 'demo');
      const outcome = await runPretraining(createRootContainer({ bus }), registry, {
        method: 'detco',
        demo: true,
        flags: { maxSteps: 6 },
        // Smaller views and the training thread, to stay well under a minute on a busy machine.
        sets: ['imageSize=48', 'jigsaw.size=60', 'jigsaw.patchSize=16', 'train.data.workers=0'],
        outDir: runDir,
        backend: 'cpu',
        cacheDir: path.join(dir, 'cache'),
      });

      const result = outcome.result!;
      expect(outcome.totalSteps).toBe(6);
      expect(result.position.step).toBe(6);
      expect(result.stoppedEarly).toBe(false);

      const metrics = await readMetricsJsonl(path.join(runDir, 'metrics.jsonl'));
      expect(metrics.map((record) => record.step)).toEqual([1, 2, 3, 4, 5, 6]);
      const weights = [0.1, 0.4, 0.7, 1.0];
      const chance = Math.log(16 + 1); // K = 16 keys in each queue, one positive
      for (const record of metrics) {
        expect(Object.keys(record.terms)).toHaveLength(12);
        const sum = Object.values(record.terms).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(record.loss, 4);
        expect(record.momentum).toBe(0.999);
      }
      // Step 1 contrasts against the random initial queues (easy negatives): far below chance.
      expect(metrics[0]!.loss).toBeLessThan(0.6 * 6.6 * chance);
      // From step 3 every queue holds only real keys (16 = 2 batches of 8): each weighted term is
      // then near w_i·log(K + 1), where a MoCo-style task starts (see the README).
      for (const record of metrics.slice(2)) {
        DETCO_STAGES.forEach((stage, i) => {
          for (const term of ['g2g', 'l2l', 'l2g']) {
            const value = record.terms[`${stage}_${term}`]!;
            expect(
              value / (weights[i]! * chance),
              `step ${record.step} ${stage}_${term}`,
            ).toBeGreaterThan(0.75);
            expect(
              value / (weights[i]! * chance),
              `step ${record.step} ${stage}_${term}`,
            ).toBeLessThan(1.25);
          }
        });
      }

      expect(result.lastCheckpoint).toMatch(/step-0+6\.ckpt$/);
      expect(existsSync(result.lastCheckpoint!)).toBe(true);
      const echo = await readConfigFile(path.join(runDir, 'config.yaml'));
      expect(echo).toMatchObject({
        method: 'detco',
        plugin: { version: manifest.version },
        imageSize: 48,
        queueSize: 16,
        train: { maxSteps: 6, batchSize: 8 },
      });

      // What `ssdet pretrain` writes at the end of a run: θ_q's backbone, torchvision names.
      const backbone = outcome.method.exports()['backbone']!;
      const file = path.join(runDir, 'backbone.safetensors');
      await writeFile(file, writeSafetensors(exportStateDict({ variables: () => backbone })));
      const { tensors } = readSafetensors(await readFile(file), file);
      expect(tensors.has('conv1.weight')).toBe(true);
      expect(tensors.has('layer4.1.bn2.running_var')).toBe(true);
      expect([...tensors.keys()].some((name) => /mlps|encoder_k|queue/.test(name))).toBe(false);
    },
  );
});
