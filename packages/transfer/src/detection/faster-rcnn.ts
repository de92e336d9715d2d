import type { Backbone, ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { collectVariables, Fpn, multiScaleRoiAlign, type PyramidLevel } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { AnchorGenerator, featureGrids } from './anchor-generator.js';
import { sampleBalanced } from './balanced-sampler.js';
import { fastRcnnLoss } from './fast-rcnn-loss.js';
import { FastRcnnPredictor } from './fast-rcnn-predictor.js';
import {
  DETECTION_DEFAULTS,
  postprocessDetections,
  type DetectionOptions,
  type Detections,
} from './postprocess-detections.js';
import { RpnHead } from './rpn-head.js';
import { rpnLoss } from './rpn-loss.js';
import { RPN_TEST_PROPOSALS, rpnProposals, type ProposalOptions } from './rpn-proposals.js';
import { assignAnchorTargets } from './rpn-targets.js';
import {
  ROI_SAMPLING_DEFAULTS,
  selectRoiTrainingSamples,
  type RoiSamplingOptions,
} from './roi-training-samples.js';
import { TwoMlpHead } from './two-mlp-head.js';

/** One image's objects, in the padded input's pixels. */
export interface DetectionTargets {
  /** `[N, 4]` xyxy. */
  readonly boxes: Float32Array;
  /** `[N]` contiguous classes `1 … K−1`. */
  readonly labels: Int32Array;
}

/** A padded batch: `[B, H, W, 3]` normalised images, each image's own size at the top left. */
export interface DetectionInput {
  readonly images: tf.Tensor4D;
  /** `[height, width]` of each image inside the padding. */
  readonly imageSizes: readonly (readonly [number, number])[];
}

/** Faster R-CNN's settings; the defaults are `fasterrcnn_resnet50_fpn`'s. */
export interface FasterRcnnOptions {
  /** Classes including background (COCO: 91 in torchvision's numbering, 81 contiguous). */
  readonly numClasses: number;
  /** FPN channels. Default 256. */
  readonly fpnChannels?: number;
  /** `none` (torchvision) or `batch` (BatchNorm in the FPN, as SoCo pre-trains it). */
  readonly fpnNorm?: 'none' | 'batch';
  /** Width of the box head's two layers. Default 1024. */
  readonly representationSize?: number;
  readonly trainProposals?: ProposalOptions;
  readonly testProposals?: ProposalOptions;
  /** RPN anchors sampled per image and their foreground fraction. Default 256 / 0.5. */
  readonly rpnBatchSizePerImage?: number;
  readonly rpnPositiveFraction?: number;
  readonly roiSampling?: RoiSamplingOptions;
  readonly detection?: DetectionOptions;
}

export const RPN_TRAIN_PROPOSALS: ProposalOptions = {
  ...RPN_TEST_PROPOSALS,
  preNmsTopN: 2000,
  postNmsTopN: 2000,
};

/** The four training losses, torchvision's names. */
export interface FasterRcnnLosses {
  readonly loss_objectness: tf.Scalar;
  readonly loss_rpn_box_reg: tf.Scalar;
  readonly loss_classifier: tf.Scalar;
  readonly loss_box_reg: tf.Scalar;
}

/** Pyramid levels the RoI heads pool from (torchvision: '0'…'3'; the RPN also sees P6). */
const ROI_LEVELS = ['P2', 'P3', 'P4', 'P5'];

/**
 * Faster R-CNN with FPN (Ren et al. 2015; Lin et al. 2017) as torchvision 0.14's
 * `fasterrcnn_resnet50_fpn` builds it, on any registered backbone with levels C2–C5: FPN P2–P6,
 * an RPN with one anchor size per level (32…512) and three ratios, MultiScaleRoIAlign 7×7
 * (sampling 2, `aligned=False`) over P2–P5, `TwoMLPHead` and `FastRCNNPredictor`.
 *
 * Variables use torchvision's names: `backbone.body.*` (the backbone's own names),
 * `backbone.fpn.*` (detectron2's FPN names, see {@link Fpn}), `rpn.head.*`,
 * `roi_heads.box_head.*`, `roi_heads.box_predictor.*`.
 */
export class FasterRcnn implements HasVariables {
  readonly fpn: Fpn;
  readonly rpnHead: RpnHead;
  readonly anchorGenerator = new AnchorGenerator();
  readonly boxHead: TwoMlpHead;
  readonly boxPredictor: FastRcnnPredictor;
  readonly numClasses: number;
  private readonly settings: Required<Omit<FasterRcnnOptions, 'fpnNorm'>>;

  constructor(
    readonly backbone: Backbone,
    options: FasterRcnnOptions & { readonly rng: Rng },
  ) {
    this.numClasses = options.numClasses;
    this.settings = {
      numClasses: options.numClasses,
      fpnChannels: options.fpnChannels ?? 256,
      representationSize: options.representationSize ?? 1024,
      trainProposals: options.trainProposals ?? RPN_TRAIN_PROPOSALS,
      testProposals: options.testProposals ?? RPN_TEST_PROPOSALS,
      rpnBatchSizePerImage: options.rpnBatchSizePerImage ?? 256,
      rpnPositiveFraction: options.rpnPositiveFraction ?? 0.5,
      roiSampling: options.roiSampling ?? ROI_SAMPLING_DEFAULTS,
      detection: options.detection ?? DETECTION_DEFAULTS,
    };
    const channels = this.settings.fpnChannels;
    this.fpn = new Fpn({
      inLevels: ['C2', 'C3', 'C4', 'C5'].map((name) => {
        const level = backbone.levels.find((candidate) => candidate.name === name);
        if (level === undefined)
          throw new Error(`Backbone "${backbone.name}" has no level ${name}.`);
        return level;
      }),
      outChannels: channels,
      norm: options.fpnNorm ?? 'none',
      topLevel: 'maxpool',
      rng: options.rng.fork('fpn'),
    });
    this.rpnHead = new RpnHead(
      channels,
      this.anchorGenerator.anchorsPerLocation(0),
      options.rng.fork('rpn'),
    );
    this.boxHead = new TwoMlpHead(
      channels,
      7,
      this.settings.representationSize,
      options.rng.fork('box_head'),
    );
    this.boxPredictor = new FastRcnnPredictor(
      this.settings.representationSize,
      options.numClasses,
      options.rng.fork('box_predictor'),
    );
  }

  /** The four losses of a training batch (BatchNorm in training mode where it is trained). */
  losses(input: DetectionInput, targets: readonly DetectionTargets[], rng: Rng): FasterRcnnLosses {
    return tf.tidy(() => {
      const { pyramid, objectness, deltas, anchors, anchorsPerLevel } = this.rpnForward(input, {
        training: true,
      });
      const batch = input.imageSizes.length;
      const anchorCount = anchors.length / 4;
      const allLogits = objectness.dataSync();
      const allDeltas = deltas.dataSync();
      const labels = new Float32Array(batch * anchorCount);
      const regressionTargets = new Float32Array(batch * anchorCount * 4);
      const positive: number[] = [];
      const negative: number[] = [];
      const proposals: Float32Array[] = [];
      for (let b = 0; b < batch; b++) {
        const assigned = assignAnchorTargets(anchors, targets[b]!.boxes);
        labels.set(assigned.labels, b * anchorCount);
        regressionTargets.set(assigned.regressionTargets, b * anchorCount * 4);
        const sample = sampleBalanced(
          assigned.labels,
          this.settings.rpnBatchSizePerImage,
          this.settings.rpnPositiveFraction,
          rng.fork(`rpn-sample-${b}`),
        );
        for (const a of sample.positive) positive.push(b * anchorCount + a);
        for (const a of sample.negative) negative.push(b * anchorCount + a);
        proposals.push(
          rpnProposals(
            allLogits.subarray(b * anchorCount, (b + 1) * anchorCount),
            allDeltas.subarray(b * anchorCount * 4, (b + 1) * anchorCount * 4),
            anchors,
            anchorsPerLevel,
            input.imageSizes[b]!,
            this.settings.trainProposals,
          ).boxes,
        );
      }
      const rpn = rpnLoss(objectness, deltas, {
        labels,
        regressionTargets,
        positive: Int32Array.from(positive),
        negative: Int32Array.from(negative),
      });
      const samples = proposals.map((boxes, b) =>
        selectRoiTrainingSamples(
          boxes,
          targets[b]!.boxes,
          targets[b]!.labels,
          rng.fork(`roi-sample-${b}`),
          this.settings.roiSampling,
        ),
      );
      const { classLogits, boxDeltas } = this.boxForward(
        pyramid,
        samples.map((s) => s.proposals),
      );
      const head = fastRcnnLoss(
        classLogits,
        boxDeltas,
        concatInt32(samples.map((s) => s.labels)),
        concatFloat32(samples.map((s) => s.regressionTargets)),
      );
      return {
        loss_objectness: rpn.objectness,
        loss_rpn_box_reg: rpn.boxRegression,
        loss_classifier: head.classifier,
        loss_box_reg: head.boxRegression,
      };
    });
  }

  /** Detections per image in the padded input's pixels (inference mode). */
  detect(input: DetectionInput): Detections[] {
    const outputs: Detections[] = [];
    tf.tidy(() => {
      const { pyramid, objectness, deltas, anchors, anchorsPerLevel } = this.rpnForward(input, {
        training: false,
      });
      const anchorCount = anchors.length / 4;
      const allLogits = objectness.dataSync();
      const allDeltas = deltas.dataSync();
      const proposals = input.imageSizes.map(
        (size, b) =>
          rpnProposals(
            allLogits.subarray(b * anchorCount, (b + 1) * anchorCount),
            allDeltas.subarray(b * anchorCount * 4, (b + 1) * anchorCount * 4),
            anchors,
            anchorsPerLevel,
            size,
            this.settings.testProposals,
          ).boxes,
      );
      const { classLogits, boxDeltas } = this.boxForward(pyramid, proposals);
      const logits = classLogits.dataSync();
      const regressions = boxDeltas.dataSync();
      let offset = 0;
      proposals.forEach((boxes, b) => {
        const count = boxes.length / 4;
        const k = this.numClasses;
        const detections = postprocessDetections(
          logits.subarray(offset * k, (offset + count) * k),
          regressions.subarray(offset * k * 4, (offset + count) * k * 4),
          boxes,
          k,
          input.imageSizes[b]!,
          this.settings.detection,
        );
        offset += count;
        outputs.push(detections);
      });
    });
    return outputs;
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone.body', this.backbone],
      ['backbone.fpn', this.fpn],
      ['rpn.head', this.rpnHead],
      ['roi_heads.box_head', this.boxHead],
      ['roi_heads.box_predictor', this.boxPredictor],
    ]);
  }

  /** Backbone, FPN and RPN head; objectness `[B·A]` and deltas `[B·A, 4]`, image-major. */
  private rpnForward(input: DetectionInput, options: ForwardOptions) {
    const features = this.backbone.forward(input.images, options);
    const pyramid = this.fpn.forward(features, options);
    const maps = this.fpn.levels.map((level) => pyramid[level.name]!);
    const head = this.rpnHead.forward(maps, options);
    const [batch, height, width] = input.images.shape;
    const grids = featureGrids(
      height,
      width,
      maps.map((map) => [map.shape[1], map.shape[2]] as const),
    );
    const anchors = this.anchorGenerator.anchors(grids);
    const anchorsPerLevel = grids.map(
      (grid, level) => grid.height * grid.width * this.anchorGenerator.anchorsPerLocation(level),
    );
    const objectness = tf.reshape(
      tf.concat(
        head.logits.map((t) => tf.reshape(t, [batch, -1])),
        1,
      ),
      [-1],
    ) as tf.Tensor1D;
    const deltas = tf.reshape(
      tf.concat(
        head.deltas.map((t) => tf.reshape(t, [batch, -1])),
        1,
      ),
      [-1, 4],
    ) as tf.Tensor2D;
    return { pyramid, objectness, deltas, anchors, anchorsPerLevel };
  }

  /** MultiScaleRoIAlign over P2–P5, the box head and the predictor, for per-image RoIs. */
  private boxForward(
    pyramid: Readonly<Record<string, tf.Tensor4D>>,
    rois: readonly Float32Array[],
  ): { classLogits: tf.Tensor2D; boxDeltas: tf.Tensor2D } {
    const levels: PyramidLevel[] = ROI_LEVELS.map((name) => ({
      features: pyramid[name]!,
      stride: this.fpn.levels.find((level) => level.name === name)!.stride,
    }));
    const table = new Float32Array(rois.reduce((n, boxes) => n + (boxes.length / 4) * 5, 0));
    let row = 0;
    rois.forEach((boxes, b) => {
      for (let i = 0; i < boxes.length / 4; i++, row++) {
        table[row * 5] = b;
        table.set(boxes.subarray(4 * i, 4 * i + 4), row * 5 + 1);
      }
    });
    const pooled = multiScaleRoiAlign(levels, table, {
      outputSize: 7,
      samplingRatio: 2,
      aligned: false,
    });
    return this.boxPredictor.forward(this.boxHead.forward(pooled));
  }
}

function concatInt32(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
