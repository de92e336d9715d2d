import { ssdetToDetectron2Name } from './name-maps.js';

/** What part of a detectron2 model an exported set of tensors is, and its names there. */
export interface Detectron2Part {
  readonly part: 'resnet' | 'fpn' | 'box-head';
  /** ssdet name → detectron2 name. */
  readonly rename: (ssdetName: string) => string;
}

const PARAMETER = '(weight|bias|running_mean|running_var|num_batches_tracked)';
const RESNET_NAME = new RegExp(
  `^(conv1|bn1|fc|layer\\d+\\.\\d+\\.(conv\\d+|bn\\d+|downsample\\.[01]))\\.${PARAMETER}$`,
);
const FPN_NAME = new RegExp(`^fpn_(lateral|output)\\d+(\\.norm)?\\.${PARAMETER}$`);
const BOX_HEAD_NAME = new RegExp(`^(conv\\d+(\\.norm)?|fc\\d+)\\.${PARAMETER}$`);

/**
 * detectron2's names for a set of exported tensors, or undefined when they are none of the parts
 * detectron2 has a place for. Only the ResNet is renamed (torchvision → detectron2: `stem.*`,
 * `res2`…`res5`, matched by suffix under `backbone.bottom_up.`); an FPN and a box head that
 * already carry detectron2's own names (`fpn_lateral2.*`, `conv1.norm.*`, `fc1.*`) get their
 * place in the model: `backbone.fpn_lateral2.*`, `roi_heads.box_head.conv1.*`.
 */
export function detectron2PartOf(names: readonly string[]): Detectron2Part | undefined {
  if (names.length === 0) return undefined;
  if (
    names.every((name) => RESNET_NAME.test(name)) &&
    names.some((name) => name.startsWith('layer'))
  )
    return { part: 'resnet', rename: ssdetToDetectron2Name };
  if (names.every((name) => FPN_NAME.test(name)))
    return { part: 'fpn', rename: (name) => `backbone.${name}` };
  if (names.every((name) => BOX_HEAD_NAME.test(name)) && names.some((name) => /^fc\d/.test(name)))
    return { part: 'box-head', rename: (name) => `roi_heads.box_head.${name}` };
  return undefined;
}
