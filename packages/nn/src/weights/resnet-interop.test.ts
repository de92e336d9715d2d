import { Rng, selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResNet } from '../backbones/resnet.js';
import { exportStateDict } from './export-state-dict.js';
import { loadStateDict } from './load-state-dict.js';
import { readPth } from './pth/read-pth.js';
import { writePth } from './pth/write-pth.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { fixtureJson } from './test-support/fixtures.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const tinyResNet18 = (seed: number): ResNet =>
  new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(seed) });

function dispose(model: ResNet): void {
  for (const variable of model.variables().values()) variable.dispose();
}

describe('weights interop with the ssdet ResNet', () => {
  it('exports exactly the names of torchvision resnet18 without fc, so strict loading works', () => {
    const model = tinyResNet18(1);
    const { state_dict: torchvision } = fixtureJson<{ state_dict: [string, number[]][] }>(
      'resnet18-state-dict-shapes.json',
    );
    const expected = torchvision.map(([name]) => name).filter((name) => !name.startsWith('fc.'));
    const exported = exportStateDict(model);
    expect([...exported.keys()].sort()).toEqual([...expected].sort());
    // Kernel shapes follow torch's OIHW: conv1 is [out, 3, 7, 7].
    expect(exported.get('conv1.weight')!.shape).toEqual([8, 3, 7, 7]);
    dispose(model);
  });

  it('round-trips a ResNet through .pth and safetensors into a differently initialised one (strict)', () => {
    const source = tinyResNet18(1);
    for (const bytes of [
      writePth(exportStateDict(source)),
      writeSafetensors(exportStateDict(source)),
    ]) {
      const target = tinyResNet18(2);
      const tensors =
        bytes[0] === 0x50
          ? readPth(bytes, 'r18.pth')
          : readSafetensors(bytes, 'r18.safetensors').tensors;
      const report = loadStateDict(target, tensors);
      expect(report.ignored.filter((name) => !name.endsWith('num_batches_tracked'))).toEqual([]);
      for (const [name, variable] of source.variables()) {
        const same = tf.tidy(
          () => tf.max(tf.abs(tf.sub(variable, target.variables().get(name)!))).dataSync()[0],
        );
        expect(same, name).toBe(0);
      }
      dispose(target);
    }
    dispose(source);
  });

  it('exports detectron2 names for every ResNet variable', () => {
    const model = tinyResNet18(1);
    const names = [...exportStateDict(model, { naming: 'detectron2' }).keys()];
    // Every variable but the BatchNorm step counters: detectron2's FrozenBatchNorm has none.
    const counters = [...model.variables().keys()].filter((name) =>
      name.endsWith('.num_batches_tracked'),
    );
    expect(counters.length).toBeGreaterThan(0);
    expect(names).toHaveLength(model.variables().size - counters.length);
    for (const name of names) {
      expect(name).toMatch(
        /^(stem\.conv1(\.norm)?|res[2-5]\.\d\.(conv[12](\.norm)?|shortcut(\.norm)?))\.(weight|bias|running_mean|running_var)$/,
      );
    }
    // Asked for explicitly, the counters stay.
    expect(exportStateDict(model, { naming: 'detectron2', numBatchesTracked: true }).size).toBe(
      model.variables().size,
    );
    const back = tinyResNet18(3);
    loadStateDict(back, exportStateDict(model, { naming: 'detectron2' }), { naming: 'detectron2' });
    dispose(model);
    dispose(back);
  });

  it('loads a file without num_batches_tracked strictly, leaving the counters as they are', () => {
    const source = tinyResNet18(1);
    const withoutCounters = new Map(
      [...exportStateDict(source)].filter(([name]) => !name.endsWith('num_batches_tracked')),
    );
    withoutCounters.set('fc.weight', {
      dtype: 'F32',
      shape: [10, 64],
      data: new Float32Array(640),
    });
    const target = tinyResNet18(2);
    const report = loadStateDict(target, withoutCounters);
    expect(report.missing).toEqual([]);
    expect(report.unchanged).toHaveLength(20);
    expect(report.unchanged.every((name) => name.endsWith('.num_batches_tracked'))).toBe(true);
    expect(report.ignored).toEqual(['fc.weight']);
    expect(() =>
      loadStateDict(
        target,
        new Map([...withoutCounters].filter(([name]) => name !== 'layer4.1.bn2.running_var')),
      ),
    ).toThrow(/missing from the file \(1\): layer4\.1\.bn2\.running_var/);
    dispose(source);
    dispose(target);
  });
});
