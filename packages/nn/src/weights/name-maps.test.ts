import { describe, expect, it } from 'vitest';
import {
  detectron2ToSsdetName,
  isIgnoredTorchvisionName,
  ssdetToDetectron2Name,
} from './name-maps.js';
import { fixtureJson } from './test-support/fixtures.js';

describe('ssdet (torchvision) → detectron2 names', () => {
  it('maps stem, BasicBlock and Bottleneck names like convert-torchvision-to-d2.py', () => {
    const cases: [string, string][] = [
      ['conv1.weight', 'stem.conv1.weight'],
      ['bn1.weight', 'stem.conv1.norm.weight'],
      ['bn1.running_var', 'stem.conv1.norm.running_var'],
      ['layer1.0.conv1.weight', 'res2.0.conv1.weight'],
      ['layer1.0.bn2.bias', 'res2.0.conv2.norm.bias'],
      ['layer1.2.bn3.running_mean', 'res2.2.conv3.norm.running_mean'],
      ['layer2.0.downsample.0.weight', 'res3.0.shortcut.weight'],
      ['layer2.0.downsample.1.running_mean', 'res3.0.shortcut.norm.running_mean'],
      ['layer4.2.conv2.weight', 'res5.2.conv2.weight'],
      ['fc.weight', 'stem.fc.weight'],
    ];
    for (const [ssdet, d2] of cases) {
      expect(ssdetToDetectron2Name(ssdet)).toBe(d2);
      if (!ssdet.startsWith('fc.')) expect(detectron2ToSsdetName(d2)).toBe(ssdet);
    }
  });

  it('gives every name of torchvision resnet18 a distinct detectron2 name that maps back', () => {
    const { state_dict: names } = fixtureJson<{ state_dict: [string, number[]][] }>(
      'resnet18-state-dict-shapes.json',
    );
    const held = names.map(([name]) => name).filter((name) => !isIgnoredTorchvisionName(name));
    expect(held).toHaveLength(100); // 122 entries − 20 num_batches_tracked − fc.weight − fc.bias
    const mapped = held.map(ssdetToDetectron2Name);
    expect(new Set(mapped).size).toBe(held.length);
    for (const name of mapped)
      expect(name).toMatch(
        /^(stem\.conv1(\.norm)?|res[2-5]\.\d\.(conv[12](\.norm)?|shortcut(\.norm)?))\.(weight|bias|running_mean|running_var)$/,
      );
    expect(mapped.map(detectron2ToSsdetName)).toEqual(held);
  });

  it('ignores exactly the classifier and the BatchNorm step counters', () => {
    expect(isIgnoredTorchvisionName('fc.weight')).toBe(true);
    expect(isIgnoredTorchvisionName('layer1.0.bn1.num_batches_tracked')).toBe(true);
    expect(isIgnoredTorchvisionName('layer1.0.bn1.running_var')).toBe(false);
    expect(isIgnoredTorchvisionName('head.fc.weight')).toBe(false);
  });
});
