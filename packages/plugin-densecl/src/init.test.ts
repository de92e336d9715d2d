import {
  CORE_VERSION_STRING,
  EventBus,
  PluginRegistry,
  Rng,
  VIEW_GENERATOR,
  bindMethod,
  buildBackbone,
  resolveToken,
  selectBackend,
  type Backbone,
  type BackboneRequest,
} from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseclConfigSchema, type DenseclConfig } from './config.js';
import { DenseCLEncoder } from './encoder.js';
import { DenseCLMethod } from './method.js';
import { plugin } from './plugin.js';
import { expectOfficialInit, readOfficialInit } from '@ssdet/test-support';
import { tinyConfig } from './test-support/tiny.js';

type BackboneInit = NonNullable<BackboneRequest['init']>;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** A run container with DenseCL's stages, and the backbone builder the plugin hands the method. */
function stagesFor(config: DenseclConfig, received: BackboneInit[] = []) {
  const registry = new PluginRegistry(CORE_VERSION_STRING, new EventBus());
  registry.add(plugin, { packageName: plugin.name, discovery: 'api' });
  const { run } = bindMethod(registry, plugin.name, config, Rng.fromSeed(0));
  return {
    views: resolveToken(run, VIEW_GENERATOR),
    createBackbone: (rng: Rng, init: BackboneInit): Backbone => {
      received.push(init);
      return buildBackbone(run, config.backbone, rng, { method: 'densecl', levels: ['C5'], init });
    },
  };
}

describe('DenseCL initialisation (OpenSelfSup: DenseCL.init_weights)', () => {
  it('defaults to the official recipe: fan-in convolutions, no zeroed scales, kaiming neck FCs', () => {
    expect(denseclConfigSchema.parse({}).init).toEqual({
      backboneConv: 'kaimingNormalFanIn',
      zeroInitResidual: false,
      neckLinear: 'kaimingNormalFanIn',
    });
  });

  it('draws a full-size encoder (ResNet-50 + DenseCLNeck) as fixtures/init/densecl.json records the official one', () => {
    const config = denseclConfigSchema.parse({});
    const records = readOfficialInit('densecl');
    const encoder = new DenseCLEncoder({
      createBackbone: stagesFor(config).createBackbone,
      hiddenDim: config.neck.hiddenDim,
      outDim: config.neck.outDim,
      init: config.init,
      rng: Rng.fromSeed(1),
    });
    const variables = encoder.variables();
    // Every parameter is in the fixture (BatchNorm buffers are not parameters).
    expect(
      [...variables]
        .filter(([, v]) => v.trainable)
        .map(([name]) => name)
        .sort(),
    ).toEqual(records.map((record) => record.name).sort());
    expectOfficialInit(variables, records);
  });

  it('passes its init section on to the backbone request of both encoders, and to the neck', () => {
    const received: BackboneInit[] = [];
    const config = tinyConfig({
      init: {
        backboneConv: 'kaimingNormalFanOut',
        zeroInitResidual: true,
        neckLinear: 'normal001',
      },
    });
    const method = new DenseCLMethod(config, Rng.fromSeed(2), stagesFor(config, received));
    expect(received).toEqual([
      { conv: 'kaimingNormalFanOut', zeroInitResidual: true },
      { conv: 'kaimingNormalFanOut', zeroInitResidual: true },
    ]);
    const variables = method.variables();
    // ResNet-18: each basic block's bn2 starts at γ = 0, in θ_q and (copied) θ_k.
    for (const name of [
      'encoder_q.backbone.layer1.0.bn2.weight',
      'encoder_k.backbone.layer4.1.bn2.weight',
    ])
      expect(
        Array.from(variables.get(name)!.dataSync()).every((value) => value === 0),
        name,
      ).toBe(true);
    expect(Array.from(variables.get('encoder_q.backbone.layer1.0.bn1.weight')!.dataSync())).toEqual(
      new Array(8).fill(1),
    );
    // init_linear='normal': N(0, 0.01²) FC weights, zero biases.
    const fc = Array.from(variables.get('encoder_q.neck.mlp.0.weight')!.dataSync());
    const rms = Math.sqrt(fc.reduce((a, b) => a + b * b, 0) / fc.length);
    expect(Math.abs(rms - 0.01)).toBeLessThan((6 * 0.71 * 0.01) / Math.sqrt(fc.length));
    expect(Array.from(variables.get('encoder_q.neck.mlp.2.bias')!.dataSync())).toEqual(
      new Array(8).fill(0),
    );
    method.dispose();
  });
});
