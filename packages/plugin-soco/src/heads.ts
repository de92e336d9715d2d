import {
  SsdetError,
  type Backbone,
  type BackboneRequest,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import { collectVariables, ConvFcBoxHead, Fpn, MlpHead, roiAlign } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { SocoInit } from './config.js';

/** How a backbone is first drawn, as `buildBackbone` takes it (`BackboneRequest.init`). */
export type BackboneInit = NonNullable<BackboneRequest['init']>;

export interface SocoEncoderOptions {
  /**
   * Builds the encoder's backbone (any registered backbone with levels C2–C5) from a stream,
   * initialised as `init` says (pass it on to `buildBackbone`).
   */
  readonly createBackbone: (rng: Rng, init: BackboneInit) => Backbone;
  /** The config's `init` section (the official modules' own initialisation by default). */
  readonly init: SocoInit;
  /** FPN channels (256). */
  readonly fpnChannels: number;
  readonly roiSize: number;
  readonly aligned: boolean;
  readonly head: { readonly convDim: number; readonly numConvs: number; readonly fcDim: number };
  readonly projector: { readonly hiddenDim: number; readonly outDim: number };
  readonly rng: Rng;
}

/** The FPN level names SoCo pools from, finest first. */
export const SOCO_LEVELS = ['P2', 'P3', 'P4', 'P5'] as const;

/**
 * SoCo's encoder — the part the target network copies (Wei et al., NeurIPS 2021, §3.3): a ResNet
 * (C2–C5), an FPN with BatchNorm (P2–P5), RoIAlign, the "4conv1fc" box head of Mask R-CNN
 * (detectron2 `FastRCNNConvFCHead`, 1024-d) and the BYOL projector (1024 → 4096 → 256, BN).
 * Variables: `backbone.*` (torchvision names), `fpn.*` and `head.*` (detectron2 names),
 * `projector.*` (`nn.Sequential` names).
 */
export class SocoEncoder implements HasVariables {
  readonly backbone: Backbone;
  readonly fpn: Fpn;
  readonly head: ConvFcBoxHead;
  readonly projector: MlpHead;
  private readonly roiSize: number;
  private readonly aligned: boolean;

  constructor(options: SocoEncoderOptions) {
    const { rng, init } = options;
    this.backbone = options.createBackbone(rng.fork('backbone'), {
      conv: init.backboneConv,
      zeroInitResidual: init.zeroInitResidual,
    });
    this.fpn = new Fpn({
      inLevels: this.backbone.levels.filter((level) => /^C[2-5]$/.test(level.name)),
      outChannels: options.fpnChannels,
      norm: 'batch',
      topLevel: 'none',
      init: init.fpnConv,
      rng: rng.fork('fpn'),
    });
    this.head = new ConvFcBoxHead({
      inChannels: options.fpnChannels,
      roiSize: options.roiSize,
      numConvs: options.head.numConvs,
      convDim: options.head.convDim,
      fcDim: options.head.fcDim,
      batchNorm: true,
      init: init.head,
      rng: rng.fork('head'),
    });
    this.projector = new MlpHead({
      inDim: options.head.fcDim,
      hiddenDim: options.projector.hiddenDim,
      outDim: options.projector.outDim,
      rng: rng.fork('projector'),
    });
    this.roiSize = options.roiSize;
    this.aligned = options.aligned;
  }

  /** Backbone + FPN: P2–P5 of `[B, S, S, 3]` images. */
  pyramid(images: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D[] {
    return tf.tidy(() => {
      const features = this.fpn.forward(this.backbone.forward(images, options), options);
      return SOCO_LEVELS.map((name) => {
        const map = features[name];
        if (map === undefined)
          throw new SsdetError('SOCO_BAD_INPUT', `The FPN produced no ${name}.`);
        return map;
      });
    });
  }

  /**
   * RoIAlign of `rois` (`[R, 5]` rows of batch index + view-pixel corners) from one pyramid level:
   * `[R, S, S, C]`. The view-to-map scale is the map's size over the view's (SoCo scales
   * normalised boxes by the map's size), not 1/stride.
   */
  pool(level: tf.Tensor4D, viewSize: number, rois: Float32Array): tf.Tensor4D {
    return roiAlign(level, rois, {
      outputSize: this.roiSize,
      spatialScale: level.shape[2] / viewSize,
      samplingRatio: -1,
      aligned: this.aligned,
    });
  }

  /** Box head and projector on pooled RoIs: `[R, projector.outDim]`. */
  project(pooled: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => this.projector.forward(this.head.forward(pooled, options), options));
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['fpn', this.fpn],
      ['head', this.head],
      ['projector', this.projector],
    ]);
  }
}

/** SoCo's predictor `Pred_Head`: 256 → 4096 → 256 with BN. */
export function createPredictor(options: {
  readonly inDim: number;
  readonly hiddenDim: number;
  readonly rng: Rng;
}): MlpHead {
  return new MlpHead({
    inDim: options.inDim,
    hiddenDim: options.hiddenDim,
    outDim: options.inDim,
    rng: options.rng,
  });
}
