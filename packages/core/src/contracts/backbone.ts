import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { ForwardOptions, HasVariables } from './parameters.js';

/** One output level of a backbone or neck: `C2`…`C5`, `P2`…`P6`. */
export interface FeatureLevel {
  readonly name: string;
  readonly channels: number;
  /** Down-sampling factor relative to the input image. */
  readonly stride: number;
}

/** Feature maps by level name, NHWC. */
export type FeatureMaps = Readonly<Record<string, Tensor4D>>;

/**
 * The network being pre-trained (ResNet-18/34/50 in `@ssdet/nn`). Its variables use
 * torchvision's names so that exports load into torchvision and detectron2 detectors.
 */
export interface Backbone extends HasVariables {
  /** e.g. `resnet50`. */
  readonly name: string;
  readonly levels: readonly FeatureLevel[];
  /** `[B, H, W, 3]` normalised images → one map per level. */
  forward(images: Tensor4D, options: ForwardOptions): FeatureMaps;
}
