import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildViews,
  CORE_VERSION_STRING,
  createRootContainer,
  definePlugin,
  EventBus,
  pluginConfigToken,
  PluginRegistry,
  PRETRAIN_METHOD,
  provideFactory,
  resolveToken,
  RUN_RNG,
  selectBackend,
  type SsdetEvent,
  trainingConfigWithDefaults,
  VIEW_GENERATOR,
} from '@ssdet/core';
import { loadPretrainedBackbone, readSafetensors } from '@ssdet/nn';
import { writeSyntheticDataset } from '../synthetic/write-synthetic-dataset.js';
import { plugin as toyPlugin } from '../test-support/toy-plugin.mjs';
import { runPretraining } from './run-pretraining.js';

const FROZEN_CONFIG = pluginConfigToken<FrozenToyConfig>('frozen-toy');
const frozenToySchema = z
  .object({
    backboneWeights: z.string().min(1).optional(),
    train: trainingConfigWithDefaults({
      batchSize: 4,
      epochs: 1,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0 },
      logEvery: 1,
      data: { workers: 0, concurrency: 2 },
    }),
  })
  .strict();
type FrozenToyConfig = z.infer<typeof frozenToySchema>;

/**
 * A method on a frozen CNN, as UP-DETR is: the toy's conv (its exported `conv1.weight`) loaded
 * from `backboneWeights` and never trained, and a trainable projection on top.
 */
class FrozenToyMethod {
  readonly name = 'frozen-toy';
  readonly kernel = tf.variable(tf.zeros<tf.Rank.R4>([3, 3, 3, 4]), false);
  readonly projection: tf.Variable;
  constructor(
    config: FrozenToyConfig,
    seed: number,
    readonly views: unknown,
  ) {
    this.projection = tf.variable(tf.randomNormal([4, 8], 0, 0.5, 'float32', seed));
    if (config.backboneWeights !== 'random')
      loadPretrainedBackbone(
        { name: 'toy-cnn', variables: () => new Map([['conv1.weight', this.kernel]]) },
        config.backboneWeights!,
        'backboneWeights',
      );
  }
  variables() {
    return new Map<string, tf.Variable>([
      ['conv1.weight', this.kernel],
      ['head.weight', this.projection],
    ]);
  }
  trainableVariables() {
    return new Map([['head.weight', this.projection]]);
  }
  loss(batch: { views: Record<string, { images: tf.Tensor4D }> }) {
    const embed = (images: tf.Tensor4D) =>
      tf.matMul(
        tf.mean(tf.relu(tf.conv2d(images, this.kernel, 1, 'same')), [1, 2]),
        this.projection,
      );
    const regression = tf.mean(
      tf.squaredDifference(embed(batch.views['a']!.images), embed(batch.views['b']!.images)),
    );
    return { total: regression, terms: { regression } };
  }
  exports() {
    return { backbone: new Map([['conv1.weight', this.kernel]]) };
  }
}

const frozenToyPlugin = definePlugin({
  name: 'frozen-toy',
  version: '1.0.0',
  coreRange: '*',
  configSchema: frozenToySchema,
  presets: { demo: { train: { maxSteps: 2 } } },
  pretrainedBackbone: { configKey: 'backboneWeights', paperBackbone: 'a toy CNN' },
  register(container) {
    provideFactory(container, VIEW_GENERATOR, (run) =>
      buildViews(run, 'mocov2', { imageSize: 16, viewNames: ['a', 'b'] }, 'frozen-toy'),
    );
    provideFactory(
      container,
      PRETRAIN_METHOD,
      (run) =>
        new FrozenToyMethod(
          resolveToken(run, FROZEN_CONFIG),
          resolveToken(run, RUN_RNG).fork('frozen-toy').tensorSeed(),
          resolveToken(run, VIEW_GENERATOR),
        ) as never,
    );
  },
});

let dir: string;
let data: string;

function inProcess() {
  const bus = new EventBus();
  const events: SsdetEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
  registry.add(toyPlugin, { packageName: 'toy', discovery: 'api' });
  registry.add(frozenToyPlugin, { packageName: 'frozen-toy', discovery: 'api' });
  const logs = () =>
    events.flatMap((event) => (event.type === 'log' ? [`${event.level}: ${event.message}`] : []));
  return { root: createRootContainer({ bus }), registry, logs };
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-chain-'));
  data = (
    await writeSyntheticDataset({
      out: path.join(dir, 'data'),
      count: 8,
      width: 48,
      height: 40,
      seed: 3,
    })
  ).annotationFile;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a frozen pre-trained CNN (pretrainedBackbone)', () => {
  it('--demo pre-trains a CNN method, freezes its exported backbone, and reuses it next time', async () => {
    const cacheDir = path.join(dir, 'cache');
    const first = inProcess();
    const outcome = await runPretraining(first.root, first.registry, {
      method: 'frozen-toy',
      data,
      demo: true,
      outDir: path.join(dir, 'chained-1'),
      backend: 'cpu',
      cacheDir,
    });
    const chain = outcome.backboneChain!;
    expect(chain.method).toBe('toy');
    expect(chain.reused).toBe(false);
    expect(chain.runDir.startsWith(path.join(cacheDir, 'pretrained-backbones', 'toy-'))).toBe(true);
    expect(outcome.config['backboneWeights']).toBe(chain.runDir);
    // The donor trained its demo (4 steps) and exported its backbone; the frozen copy is it.
    const donorMetrics = (await readFile(path.join(chain.runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(donorMetrics).toHaveLength(4);
    const donorKernel = readSafetensors(
      new Uint8Array(await readFile(path.join(chain.runDir, 'backbone.safetensors'))),
      'donor',
    ).tensors.get('conv1.weight')!;
    const frozen = readSafetensors(
      new Uint8Array(await readFile(outcome.backboneFile!)),
      'consumer',
    ).tensors.get('conv1.weight')!;
    expect(Array.from(frozen.data)).toEqual(Array.from(donorKernel.data));
    expect(Array.from(donorKernel.data).some((value) => value !== 0)).toBe(true);
    expect(
      first
        .logs()
        .some((line) => /pre-training toy \(demo preset\) to freeze its backbone/.test(line)),
    ).toBe(true);
    expect(existsSync(`${chain.runDir}.${process.pid}.building`)).toBe(false);
    expect(await readFile(path.join(dir, 'chained-1', 'config.yaml'), 'utf8')).toContain(
      `backboneWeights: ${chain.runDir}`,
    );

    const built = (await stat(path.join(chain.runDir, 'backbone.safetensors'))).mtimeMs;
    const second = inProcess();
    const again = await runPretraining(second.root, second.registry, {
      method: 'frozen-toy',
      data,
      demo: true,
      outDir: path.join(dir, 'chained-2'),
      backend: 'cpu',
      cacheDir,
    });
    expect(again.backboneChain).toEqual({ ...chain, reused: true });
    expect((await stat(path.join(chain.runDir, 'backbone.safetensors'))).mtimeMs).toBe(built);
    expect(
      second
        .logs()
        .some((line) => /freezing the backbone of the toy demo run .*built before/.test(line)),
    ).toBe(true);
  }, 120_000);

  it('refuses a full-scale run without one, warns on random, and a dry run builds nothing', async () => {
    const refused = inProcess();
    await expect(
      runPretraining(refused.root, refused.registry, {
        method: 'frozen-toy',
        data,
        outDir: path.join(dir, 'refused'),
        backend: 'cpu',
      }),
    ).rejects.toThrow(
      /frozen-toy trains on a frozen, pre-trained CNN \(the paper freezes a toy CNN\), and no backboneWeights was given/,
    );
    expect(existsSync(path.join(dir, 'refused'))).toBe(false);

    const ablation = inProcess();
    await runPretraining(ablation.root, ablation.registry, {
      method: 'frozen-toy',
      data,
      outDir: path.join(dir, 'ablation'),
      backend: 'cpu',
      flags: { maxSteps: 1 },
      sets: ['backboneWeights=random'],
    });
    expect(
      ablation.logs().some((line) => /^warn: .*backboneWeights=random .*an ablation/.test(line)),
    ).toBe(true);

    const cacheDir = path.join(dir, 'dry-cache');
    const dry = inProcess();
    const plan = await runPretraining(dry.root, dry.registry, {
      method: 'frozen-toy',
      data,
      demo: true,
      dryRun: true,
      outDir: path.join(dir, 'dry'),
      backend: 'cpu',
      cacheDir,
    });
    expect(plan.result).toBeUndefined();
    expect(existsSync(cacheDir)).toBe(false);
    expect(
      dry.logs().some((line) => /the real run first pre-trains toy \(demo preset\)/.test(line)),
    ).toBe(true);
  }, 60_000);
});
