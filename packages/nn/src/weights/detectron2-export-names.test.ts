import { describe, expect, it } from 'vitest';
import { detectron2PartOf } from './detectron2-export-names.js';

const rename = (names: string[]): string[] | undefined => {
  const part = detectron2PartOf(names);
  return part === undefined ? undefined : names.map(part.rename);
};

describe('detectron2PartOf', () => {
  it('renames a ResNet to detectron2 ResNet names', () => {
    const names = [
      'conv1.weight',
      'bn1.running_var',
      'layer1.0.bn2.bias',
      'layer2.0.downsample.0.weight',
    ];
    expect(detectron2PartOf(names)?.part).toBe('resnet');
    expect(rename(names)).toEqual([
      'stem.conv1.weight',
      'stem.conv1.norm.running_var',
      'res2.0.conv2.norm.bias',
      'res3.0.shortcut.weight',
    ]);
  });

  it('places an FPN under backbone., never under stem.', () => {
    const names = ['fpn_lateral2.weight', 'fpn_lateral2.norm.running_mean', 'fpn_output5.bias'];
    expect(detectron2PartOf(names)?.part).toBe('fpn');
    expect(rename(names)).toEqual([
      'backbone.fpn_lateral2.weight',
      'backbone.fpn_lateral2.norm.running_mean',
      'backbone.fpn_output5.bias',
    ]);
  });

  it('places a box head under roi_heads.box_head.', () => {
    const names = [
      'conv1.weight',
      'conv1.norm.weight',
      'conv4.norm.running_var',
      'fc1.weight',
      'fc1.bias',
    ];
    expect(detectron2PartOf(names)?.part).toBe('box-head');
    expect(rename(names)).toEqual([
      'roi_heads.box_head.conv1.weight',
      'roi_heads.box_head.conv1.norm.weight',
      'roi_heads.box_head.conv4.norm.running_var',
      'roi_heads.box_head.fc1.weight',
      'roi_heads.box_head.fc1.bias',
    ]);
  });

  it('has no place for anything else: a DETR, a mixture, nothing', () => {
    expect(
      detectron2PartOf([
        'backbone.layer1.0.conv1.weight',
        'transformer.encoder.layers.0.linear1.weight',
      ]),
    ).toBeUndefined();
    expect(detectron2PartOf(['layer1.0.conv1.weight', 'fpn_lateral2.weight'])).toBeUndefined();
    expect(detectron2PartOf(['conv1.weight', 'bn1.weight'])).toBeUndefined(); // a stem alone is no ResNet
    expect(detectron2PartOf([])).toBeUndefined();
  });
});
