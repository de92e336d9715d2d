import type { Backbone, ForwardOptions, NamedVariables, Rng } from '@ssdet/core';
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
import { RPN_TEST_PROPOSALS, rpnProposals, type ProposalOptions } from './rpn-proposals.js';
import { assignAnchorTargets } from './rpn-targets.js';
import {
  ROI_SAMPLING_DEFAULTS,
  selectRoiTrainingSamples,
  type RoiSamplingOptions,
  type RoiTrainingSamples,
} from './roi-training-samples.js';
import { TwoMlpHead } from './two-mlp-head.js';
import { MaskRcnnHeads } from './mask-rcnn-heads.js';
import { MaskRcnnPredictor } from './mask-rcnn-predictor.js';
import { maskRcnnLoss } from './mask-rcnn-loss.js';
import { projectMasksOnBoxes } from './mask-targets.js';
import type { DetectionInput, DetectionTargets, Detector } from './detector.js';
import { gatherRows, rpnLoss } from './rpn-loss.js';

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
  /**
   * Present: Mask R-CNN (`maskrcnn_resnet50_fpn`): MultiScaleRoIAlign 14×14 over P2–P5, the mask
   * head's convolutions (default four of 256) and the predictor (default 256 channels).
   */
  readonly mask?: { readonly layers?: readonly number[]; readonly dimReduced?: number };
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
  /** Mask R-CNN only. */
  readonly loss_mask?: tf.Scalar;
}

/** Mask R-CNN's mask branch. */
interface MaskBranch {
  readonly head: MaskRcnnHeads;
  readonly predictor: MaskRcnnPredictor;
}

/** Side of the mask head's predictions (torchvision's `discretization_size`). */
export const MASK_SIZE = 28;

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
export class FasterRcnn implements Detector {
  readonly fpn: Fpn;
  readonly rpnHead: RpnHead;
  readonly anchorGenerator = new AnchorGenerator();
  readonly boxHead: TwoMlpHead;
  readonly boxPredictor: FastRcnnPredictor;
  readonly numClasses: number;
  /** Present for Mask R-CNN. */
  readonly maskBranch: MaskBranch | undefined;
  private readonly settings: Required<Omit<FasterRcnnOptions, 'fpnNorm' | 'mask'>>;

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
    if (options.mask === undefined) {
      this.maskBranch = undefined;
    } else {
      const layers = options.mask.layers ?? [256, 256, 256, 256];
      this.maskBranch = {
        head: new MaskRcnnHeads(channels, layers, options.rng.fork('mask_head')),
        predictor: new MaskRcnnPredictor(
          layers[layers.length - 1]!,
          options.mask.dimReduced ?? 256,
          options.numClasses,
          options.rng.fork('mask_predictor'),
        ),
      };
    }
  }

  get needsMasks(): boolean {
    return this.maskBranch !== undefined;
  }

  /** The four losses of a training batch (BatchNorm in training mode where it is trained). */
  losses(
    input: DetectionInput,
    targets: readonly DetectionTargets[],
    rng: Rng,
  ): FasterRcnnLosses & Record<string, tf.Scalar> {
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
      const losses = {
        loss_objectness: rpn.objectness,
        loss_rpn_box_reg: rpn.boxRegression,
        loss_classifier: head.classifier,
        loss_box_reg: head.boxRegression,
      };
      if (this.maskBranch === undefined) return losses;
      return { ...losses, loss_mask: this.maskLoss(pyramid, samples, targets) };
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
      if (this.maskBranch === undefined) return;
      outputs.forEach((detections, b) => {
        const probabilities = this.maskProbabilities(pyramid, b, detections);
        outputs[b] = { ...detections, masks: probabilities };
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
      ...(this.maskBranch === undefined
        ? []
        : ([
            ['roi_heads.mask_head', this.maskBranch.head],
            ['roi_heads.mask_predictor', this.maskBranch.predictor],
          ] as const)),
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

  /**
   * torchvision's mask training: the foreground RoIs of the sampled set, their 14×14 features
   * through the mask head, against each RoI's matched object mask projected to 28×28.
   */
  private maskLoss(
    pyramid: Readonly<Record<string, tf.Tensor4D>>,
    samples: readonly RoiTrainingSamples[],
    targets: readonly DetectionTargets[],
  ): tf.Scalar {
    const branch = this.maskBranch!;
    const positives = samples.map((sample) => {
      const kept = Array.from(sample.labels, (label, r) => (label > 0 ? r : -1)).filter(
        (r) => r >= 0,
      );
      return {
        rois: gatherRows(sample.proposals, kept),
        labels: Int32Array.from(kept, (r) => sample.labels[r]!),
        matched: Int32Array.from(kept, (r) => sample.matchedObjects[r]!),
      };
    });
    const maskTargets = positives.map((positive, b) => {
      const masks = targets[b]!.masks;
      if (masks === undefined)
        throw new Error("Mask R-CNN training needs every image's object masks (targets[].masks).");
      return projectMasksOnBoxes(masks, positive.rois, positive.matched, MASK_SIZE);
    });
    const pooled = this.pool(
      pyramid,
      positives.map((positive) => positive.rois),
      14,
    );
    const logits = branch.predictor.forward(branch.head.forward(pooled));
    return maskRcnnLoss(
      logits,
      concatInt32(positives.map((positive) => positive.labels)),
      tf.concat(maskTargets, 0) as tf.Tensor3D,
    );
  }

  /** `maskrcnn_inference`: each detection's mask probabilities of its own class, `[D·28·28]`. */
  private maskProbabilities(
    pyramid: Readonly<Record<string, tf.Tensor4D>>,
    image: number,
    detections: Detections,
  ): Float32Array {
    const branch = this.maskBranch!;
    const count = detections.labels.length;
    if (count === 0) return new Float32Array(0);
    const rois = Array.from({ length: image + 1 }, (_, b) =>
      b === image ? detections.boxes : new Float32Array(0),
    );
    return tf.tidy(() => {
      const logits = branch.predictor.forward(branch.head.forward(this.pool(pyramid, rois, 14)));
      const selection = tf.reshape(
        tf.oneHot(tf.tensor1d(detections.labels, 'int32'), this.numClasses),
        [count, 1, 1, this.numClasses],
      );
      return tf.sigmoid(tf.sum(tf.mul(logits, selection), 3)).dataSync() as Float32Array;
    });
  }

  /** MultiScaleRoIAlign over P2–P5, the box head and the predictor, for per-image RoIs. */
  private boxForward(
    pyramid: Readonly<Record<string, tf.Tensor4D>>,
    rois: readonly Float32Array[],
  ): { classLogits: tf.Tensor2D; boxDeltas: tf.Tensor2D } {
    return this.boxPredictor.forward(this.boxHead.forward(this.pool(pyramid, rois, 7)));
  }

  /** torchvision's MultiScaleRoIAlign over P2–P5 (sampling 2, `aligned=False`), per-image RoIs. */
  private pool(
    pyramid: Readonly<Record<string, tf.Tensor4D>>,
    rois: readonly Float32Array[],
    outputSize: number,
  ): tf.Tensor4D {
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
    return multiScaleRoiAlign(levels, table, { outputSize, samplingRatio: 2, aligned: false });
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
