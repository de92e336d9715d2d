import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResNet } from '../backbones/resnet.js';
import { useCpuBackend } from '../test-support/tensors.js';
import { exportStateDict } from '../weights/export-state-dict.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { fixtureJson, type ExpectedTensor } from '../weights/test-support/fixtures.js';
import {
  backboneNaming,
  loadPretrainedBackbone,
  readWeightSource,
  resolveWeightSource,
} from './load-pretrained-backbone.js';

useCpuBackend();

const fixtures = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../../../tools/reference/fixtures/nn-weights',
);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-pretrained-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = (seed: number, widthMultiplier = 0.125) =>
  new ResNet({ depth: 18, widthMultiplier, rng: Rng.fromSeed(seed) });

function expectSameWeights(a: ResNet, b: ResNet): void {
  for (const [name, variable] of a.variables()) {
    if (name.endsWith('num_batches_tracked')) continue;
    expect(Array.from(b.variables().get(name)!.dataSync()), name).toEqual(
      Array.from(variable.dataSync()),
    );
  }
}

describe('loadPretrainedBackbone', () => {
  it('reads an ssdet pretrain run directory (its backbone.safetensors)', async () => {
    const source = tiny(1);
    const run = path.join(dir, 'run');
    await mkdir(run);
    await writeFile(
      path.join(run, 'backbone.safetensors'),
      writeSafetensors(exportStateDict(source)),
    );
    const target = tiny(2);
    const { source: resolved, report } = loadPretrainedBackbone(target, run, 'backboneWeights');
    expect(resolved).toEqual({ file: path.join(run, 'backbone.safetensors'), runDir: run });
    expect(report.loaded.length).toBeGreaterThan(50);
    expectSameWeights(source, target);
    tf.dispose([...source.variables().values(), ...target.variables().values()]);
  });

  it('removes the prefixes of released checkpoints and ignores their heads', async () => {
    const source = tiny(3);
    for (const prefix of ['module.', 'module.encoder_q.', 'backbone.0.body.', 'backbone.body.']) {
      const state = exportStateDict(source, { prefix });
      state.set(`${prefix}fc.weight`, { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) });
      state.set('module.prototypes.weight', {
        dtype: 'F32',
        shape: [1],
        data: new Float32Array(1),
      });
      const file = path.join(dir, `prefixed-${prefix.replace(/\./g, '_')}.safetensors`);
      await writeFile(file, writeSafetensors(state));
      const target = tiny(4);
      const loaded = loadPretrainedBackbone(target, file, '--init');
      expect(loaded.prefix).toBe(prefix);
      expect(loaded.naming).toBe('torchvision');
      expectSameWeights(source, target);
      tf.dispose([...target.variables().values()]);
    }
    expect(backboneNaming(['backbone.bottom_up.res2.0.conv1.weight'])).toEqual({
      naming: 'detectron2',
      prefix: 'backbone.bottom_up.',
    });
    expect(backboneNaming(['stem.conv1.weight', 'res2.0.conv1.weight']).naming).toBe('detectron2');
    tf.dispose([...source.variables().values()]);
  });

  it('unwraps legacy-format MoCo and DETR checkpoints (state_dict, model) without being told', () => {
    for (const [file, json, prefix] of [
      ['legacy-moco-checkpoint.pth', 'legacy-moco-checkpoint.json', 'module.encoder_q.'],
      ['legacy-detr-checkpoint.pth', 'legacy-detr-checkpoint.json', 'backbone.0.body.'],
    ] as const) {
      const tensors = readWeightSource(
        resolveWeightSource(path.join(fixtures, file), 'backboneWeights'),
        'backboneWeights',
      );
      const expected = fixtureJson<Record<string, ExpectedTensor>>(json);
      expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
      expect(Array.from(tensors.get(`${prefix}bn1.weight`)!.data)).toEqual(
        expected[`${prefix}bn1.weight`]!.values.map(Math.fround),
      );
      expect(backboneNaming([...tensors.keys()])).toEqual({ naming: 'torchvision', prefix });
    }
  });

  it('says which source and field failed, and how', async () => {
    const target = tiny(5);
    expect(() =>
      loadPretrainedBackbone(target, path.join(dir, 'nowhere'), 'backboneWeights'),
    ).toThrow(/^backboneWeights .*nowhere: no such file or run directory/);
    await mkdir(path.join(dir, 'unfinished'));
    expect(() => loadPretrainedBackbone(target, path.join(dir, 'unfinished'), '--init')).toThrow(
      /--init .*unfinished: the run directory has no backbone\.safetensors/,
    );
    const wide = tiny(6, 0.25);
    const wideFile = path.join(dir, 'wide.safetensors');
    await writeFile(wideFile, writeSafetensors(exportStateDict(wide)));
    expect(() => loadPretrainedBackbone(target, wideFile, 'backboneWeights')).toThrow(
      /wide\.safetensors: does not fit backbone "resnet18" \(0 variables missing, \d+ of another shape; e\.g\. conv1\.weight is \[/,
    );
    const partial = exportStateDict(tiny(7));
    partial.delete('layer4.1.conv2.weight');
    const partialFile = path.join(dir, 'partial.safetensors');
    await writeFile(partialFile, writeSafetensors(partial));
    expect(() => loadPretrainedBackbone(target, partialFile, 'backboneWeights')).toThrow(
      /1 variables missing, 0 of another shape; e\.g\. layer4\.1\.conv2\.weight is missing/,
    );
    expect(
      loadPretrainedBackbone(target, partialFile, '--init', { complete: false }).report.missing,
    ).toEqual(['layer4.1.conv2.weight']);
    const heads = path.join(dir, 'heads.safetensors');
    await writeFile(
      heads,
      writeSafetensors(
        new Map([['fc6.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }]]),
      ),
    );
    expect(() => loadPretrainedBackbone(target, heads, '--init')).toThrow(
      /none of its 1 tensors is a variable of backbone "resnet18" \(first entries: fc6\.weight\)/,
    );
    tf.dispose([...target.variables().values(), ...wide.variables().values()]);
  });
});
