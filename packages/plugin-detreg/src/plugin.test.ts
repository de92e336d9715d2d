import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  CORE_VERSION_STRING,
  ConfigError,
  EventBus,
  PluginRegistry,
  createRootContainer,
  resolvePluginConfig,
  selectBackend,
} from '@ssdet/core';
import { runPretraining, writeSyntheticDataset } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveArchitecture, type DetregConfig } from './config.js';
import defaultExport, { plugin } from './index.js';

let dir: string;
let data: string;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-detreg-plugin-'));
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

function inProcess() {
  const bus = new EventBus();
  const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
  registry.add(plugin, { packageName: '@ssdet/plugin-detreg', discovery: 'api' });
  return { root: createRootContainer({ bus }), registry };
}

describe('the detreg plugin', () => {
  it('is exported as `plugin` and as the default, named detreg, with demo and detr presets', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin.name).toBe('detreg');
    expect(Object.keys(plugin.presets ?? {}).sort()).toEqual(['demo', 'detr']);
    expect(plugin.pretrainedBackbone?.configKey).toBe('backboneWeights');
  });

  it("defaults to the paper's Deformable DETR recipe", () => {
    const config = resolvePluginConfig(plugin) as DetregConfig;
    expect(config.detector).toBe('deformable-detr');
    expect(resolveArchitecture(config)).toEqual({
      detector: 'deformable-detr',
      numQueries: 300,
      dimFeedforward: 1024,
      preNorm: false,
      classLoss: 'focal',
      classWeight: 2,
      costClass: 2,
    });
    expect(config.transformer).toMatchObject({
      dModel: 256,
      numHeads: 8,
      encoderLayers: 6,
      decoderLayers: 6,
      numLevels: 4,
      numPoints: 4,
      dropout: 0.1,
    });
    expect(config.backbone).toEqual({ arch: 'resnet50', widthMultiplier: 1 });
    expect(config.teacher).toEqual({ embedding: 'intermediate' });
    expect(config.regions).toMatchObject({
      algorithm: 'selective-search',
      parameters: { 'selective-search': { preset: 'detreg' } },
      cache: false,
    });
    expect([config.maxPriors, config.minPriors, config.crop.size]).toEqual([30, 2, 128]);
    expect(config.image).toMatchObject({
      scales: [320, 336, 352, 368, 400, 416, 432, 448, 464, 480],
      maxSize: 600,
      cropResizes: [400, 500, 600],
      cropSize: [384, 600],
    });
    expect(config.loss).toMatchObject({
      bboxWeight: 5,
      giouWeight: 2,
      embeddingWeight: 1,
      focalAlpha: 0.25,
    });
    expect(config.matcher).toMatchObject({ costBbox: 5, costGiou: 2 });
    expect(config.linearProjLrMultiplier).toBe(0.1);
    const train = config.train;
    expect(train.optimizer).toMatchObject({ type: 'adamw', lr: 2e-4, weightDecay: 1e-4 });
    expect([train.epochs, train.batchSize, train.clipGradNorm]).toEqual([5, 192, 0.1]);
  });

  it('the detr preset is the DETR variant: 100 queries, FFN 2048, pre-norm, CE, lr 1e-4', () => {
    const config = resolvePluginConfig(plugin, { preset: 'detr' }) as DetregConfig;
    expect(resolveArchitecture(config)).toEqual({
      detector: 'detr',
      numQueries: 100,
      dimFeedforward: 2048,
      preNorm: true,
      classLoss: 'cross-entropy',
      classWeight: 1,
      costClass: 1,
    });
    expect(config.train.optimizer).toMatchObject({ lr: 1e-4 });
    expect(config.train.epochs).toBe(60);
    // Named in the config itself, so config.yaml tells `ssdet finetune` to build a pre-norm DETR.
    expect(config.transformer).toMatchObject({ preNorm: true, dimFeedforward: 2048 });
    expect(config.numQueries).toBe(100);
  });

  it('rejects invalid configurations naming the key and what is expected', async () => {
    const { root, registry } = inProcess();
    const attempt = (sets: string[]) =>
      runPretraining(root, registry, {
        method: 'detreg',
        data,
        outDir: path.join(dir, 'bad'),
        backend: 'cpu',
        demo: true,
        dryRun: true,
        sets,
      });
    await expect(attempt(['transformer.dModel=48'])).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt(['transformer.dModel=48'])).rejects.toThrow(
      /transformer\.dModel must be a multiple of 32/,
    );
    await expect(attempt(['transformer.preNorm=true'])).rejects.toThrow(
      /transformer\.preNorm applies to detector 'detr' only/,
    );
    await expect(attempt(['detector=yolo'])).rejects.toThrow(/detector/);
    await expect(attempt(['teacher.embedding=final'])).rejects.toThrow(/teacher\.embedding/);
    await expect(attempt(['minPriors=20'])).rejects.toThrow(
      /minPriors must not exceed maxPriors \(10\)/,
    );
    await expect(attempt(['image.cropResizes=[64]'])).rejects.toThrow(
      /image\.cropResizes must be at least image\.cropSize's minimum \(96\)/,
    );
    await expect(attempt(['maxProposals=3'])).rejects.toThrow(/maxProposals/);
  });

  it('refuses a full-scale run without a pre-trained CNN, saying how to get one', async () => {
    const { root, registry } = inProcess();
    await expect(
      runPretraining(root, registry, {
        method: 'detreg',
        data,
        outDir: path.join(dir, 'refused'),
        backend: 'cpu',
        dryRun: true,
      }),
    ).rejects.toThrow(
      /detreg trains on a frozen, pre-trained CNN \(the paper freezes a SwAV-pretrained ResNet-50.*no backboneWeights was given/,
    );
  });
});
