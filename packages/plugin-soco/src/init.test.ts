import {
  CORE_VERSION_STRING,
  EventBus,
  PluginRegistry,
  REGION_SOURCE,
  Rng,
  VIEW_GENERATOR,
  bindMethod,
  buildBackbone,
  resolveToken,
  selectBackend,
  type Backbone,
  type BackboneRequest,
} from '@ssdet/core';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { socoConfigSchema, type SocoConfig } from './config.js';
import { SocoEncoder, createPredictor } from './heads.js';
import { SocoMethod } from './method.js';
import { plugin } from './plugin.js';
import { expectOfficialInit, readOfficialInit } from '@ssdet/test-support';
import { tinyBatch, tinyConfig } from './test-support/tiny.js';
import type { SocoViewGenerator } from './views.js';

type BackboneInit = NonNullable<BackboneRequest['init']>;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** SoCo's stages from a run container, with the backbone builder the plugin hands the method. */
function stagesFor(config: SocoConfig, received: BackboneInit[] = []) {
  const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
  registry.add(plugin, { packageName: plugin.name, discovery: 'api' });
  const { run } = bindMethod(registry, plugin.name, config, Rng.fromSeed(0));
  return {
    views: resolveToken(run, VIEW_GENERATOR) as SocoViewGenerator,
    regions: resolveToken(run, REGION_SOURCE),
    createBackbone: (rng: Rng, init: BackboneInit): Backbone => {
      received.push(init);
      return buildBackbone(run, config.backbone, rng, {
        method: 'soco',
        levels: ['C2', 'C3', 'C4', 'C5'],
        init,
      });
    },
  };
}

const allZero = (tensor: tf.Tensor): boolean => tensor.dataSync().every((value) => value === 0);

describe("SoCo initialisation (the official modules' own)", () => {
  it('defaults to the official recipe: zeroed bottleneck scales, ConvModule FPN, PyTorch-default head', () => {
    expect(socoConfigSchema.parse({}).init).toEqual({
      backboneConv: 'kaimingNormalFanOut',
      zeroInitResidual: true,
      fpnConv: 'kaimingNormalFanOut',
      head: 'pytorchDefault',
    });
  });

  it('draws a full-size online encoder and predictor as fixtures/init/soco.json records the official ones', () => {
    const config = socoConfigSchema.parse({ regions: { cache: false } });
    const records = readOfficialInit('soco');
    const encoder = new SocoEncoder({
      createBackbone: stagesFor(config).createBackbone,
      init: config.init,
      fpnChannels: config.fpn.channels,
      roiSize: config.roi.outputSize,
      aligned: config.roi.aligned,
      head: config.head,
      projector: config.projector,
      rng: Rng.fromSeed(1),
    });
    const predictor = createPredictor({
      inDim: config.projector.outDim,
      hiddenDim: config.predictor.hiddenDim,
      rng: Rng.fromSeed(2),
    });
    const variables = collectVariables([
      ['', encoder],
      ['predictor', predictor],
    ]);
    expect(
      [...variables]
        .filter(([, v]) => v.trainable)
        .map(([name]) => name)
        .sort(),
    ).toEqual(records.map((record) => record.name).sort());
    expectOfficialInit(variables, records);
    // "zero gamma": all 16 bottlenecks.
    expect(
      records.filter((r) => /bn3\.weight$/.test(r.name) && r.expected.value === 0),
    ).toHaveLength(16);
    tf.dispose([...variables.values()]);
  });

  it('passes its init section on to the backbone request, the FPN and the head', () => {
    const received: BackboneInit[] = [];
    const config = tinyConfig({
      init: { zeroInitResidual: false, fpnConv: 'kaimingUniformA1', head: 'detectron2' },
    });
    const method = new SocoMethod(config, Rng.fromSeed(3), stagesFor(config, received));
    expect(received).toEqual([
      { conv: 'kaimingNormalFanOut', zeroInitResidual: false },
      { conv: 'kaimingNormalFanOut', zeroInitResidual: false },
    ]);
    const variables = method.online.variables();
    expect(allZero(variables.get('backbone.layer1.0.bn2.weight')!)).toBe(false);
    // detectron2's c2_xavier_fill: fc1's bias starts at 0 (PyTorch's default would not).
    expect(allZero(variables.get('head.fc1.bias')!)).toBe(true);
    // kaimingUniformA1: bounded by √(3/fan_in) (a normal draw of 32·32 values would exceed it).
    const lateral = variables.get('fpn.fpn_lateral5.weight')!;
    const bound = Math.sqrt(3 / lateral.shape[2]!);
    expect(tf.tidy(() => tf.max(tf.abs(lateral)).dataSync()[0]!)).toBeLessThanOrEqual(bound);
  });

  it('with zeroed scales, the first step trains the scales, not the convolutions behind them', async () => {
    const config = tinyConfig();
    expect(config.init.zeroInitResidual).toBe(true);
    const method = new SocoMethod(config, Rng.fromSeed(4), stagesFor(config));
    const online = method.online.variables();
    // ResNet-18 (demo): every basic block's bn2 starts at γ = 0, the target's too (a copy).
    for (const [name, variable] of online) {
      if (/^backbone\.layer\d\.\d\.bn2\.weight$/.test(name)) {
        expect(allZero(variable), name).toBe(true);
        expect(allZero(method.target.variables().get(name)!), `target ${name}`).toBe(true);
      }
    }
    const batch = await tinyBatch(method, 2);
    const names = ['backbone.layer4.1.bn2.weight', 'backbone.layer4.1.conv2.weight'];
    const watched = names.map((name) => online.get(name)!);
    const { value, grads } = tf.variableGrads(() => method.loss(batch).total, watched);
    const norms = watched.map((variable) => tf.norm(grads[variable.name]!).dataSync()[0]!);
    expect(norms[0], names[0]).toBeGreaterThan(0);
    expect(norms[1], names[1]).toBe(0);
    tf.dispose([value, ...Object.values(grads)]);
  });
});
