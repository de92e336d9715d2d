import { loadStateDict, multiScaleRoiAlign, type WeightMap } from '@ssdet/nn';
import { expectClose, readReferenceJson } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '@ssdet/core';
import { sampleBalanced } from './balanced-sampler.js';
import { fastRcnnLoss } from './fast-rcnn-loss.js';
import { FastRcnnPredictor } from './fast-rcnn-predictor.js';
import { postprocessDetections } from './postprocess-detections.js';
import { labelRois, roiTargets } from './roi-training-samples.js';
import { MaskRcnnHeads } from './mask-rcnn-heads.js';
import { MaskRcnnPredictor } from './mask-rcnn-predictor.js';
import { maskRcnnLoss } from './mask-rcnn-loss.js';
import { projectMasksOnBoxes } from './mask-targets.js';
import { pasteMask } from './paste-masks.js';
import { rpnLoss } from './rpn-loss.js';
import { assignAnchorTargets } from './rpn-targets.js';
import { TwoMlpHead } from './two-mlp-head.js';

/** tools/reference/transfer/make_roi_head_fixtures.py, run on Debian's torchvision 0.14. */
interface Packed {
  shape: number[];
  data: number[];
}
type BoxList = number[][];
interface Fixture {
  rpnLoss: {
    anchors: BoxList;
    gtBoxes: BoxList[];
    objectness: number[];
    predBboxDeltas: BoxList;
    matchedGtIndex: number[][];
    labels: number[][];
    regressionTargets: BoxList[];
    sampledPositive: number[][];
    sampledNegative: number[][];
    numAnchors: number;
    lossObjectness: number;
    lossBoxReg: number;
    config: { batchSizePerImage: number; positiveFraction: number };
  };
  boxHead: {
    features: Record<string, Packed>;
    featureNames: string[];
    weights: Record<string, Packed>;
    imageSizes: [number, number][];
    proposals: BoxList[];
    pooledFeatures: Packed;
    classLogits: number[][];
    boxRegression: number[][];
    postprocess: {
      scoreThresh: number;
      nmsThresh: number;
      detectionsPerImg: number;
      detections: { boxes: BoxList; scores: number[]; labels: number[] }[];
    }[];
  };
  boxHeadTraining: {
    proposals: BoxList[];
    gtBoxes: BoxList[];
    gtLabels: number[][];
    proposalsWithGt: BoxList[];
    matchedIdxsClamped: number[][];
    labels: number[][];
    sampledPositive: number[][];
    sampledNegative: number[][];
    sampledIndices: number[][];
    sampledProposals: BoxList[];
    sampledLabels: number[][];
    regressionTargets: BoxList[];
    classLogits: number[][];
    boxRegression: number[][];
    lossClassifier: number;
    lossBoxReg: number;
    config: { batchSizePerImage: number; positiveFraction: number };
  };
}

interface MaskFixture {
  maskHead: {
    weights: Record<string, Packed>;
    inference: {
      boxes: BoxList[];
      labels: number[][];
      maskLogitsOfLabel: Packed;
      maskProbs: Packed;
    };
    training: {
      imageSize: [number, number];
      gtMasks: Packed[];
      gtLabels: number[][];
      proposals: BoxList[];
      matchedIdxs: number[][];
      maskLogits: Packed;
      maskTargets: Packed;
      lossMask: number;
    };
  };
  pasteMasks: {
    imageSize: [number, number];
    masks: Packed;
    boxes: BoxList;
    pasted: Packed;
  };
}

const fixture = readReferenceJson<Fixture & MaskFixture>('transfer', 'roi_heads.json');
const nchwToNhwc = (packed: Packed): tf.Tensor4D =>
  tf.transpose(
    tf.tensor4d(packed.data, packed.shape as [number, number, number, number]),
    [0, 2, 3, 1],
  );
const flat = (rows: BoxList): Float32Array => Float32Array.from(rows.flat());

describe('RPN training targets and loss (torchvision compute_loss)', () => {
  const f = fixture.rpnLoss;
  const anchors = flat(f.anchors);

  it('assigns every anchor the same ground truth, label and regression target', () => {
    f.gtBoxes.forEach((gt, i) => {
      const targets = assignAnchorTargets(anchors, flat(gt));
      expect(Array.from(targets.matches)).toEqual(f.matchedGtIndex[i]);
      expect(Array.from(targets.labels)).toEqual(f.labels[i]);
      expectClose(targets.regressionTargets, f.regressionTargets[i]!.flat(), 1e-5, {
        relative: 'element',
      });
    });
  });

  it('gives the same losses on torchvision’s sampled anchors', () => {
    const n = f.numAnchors;
    const labels = Float32Array.from(f.labels.flat());
    const regressionTargets = Float32Array.from(f.regressionTargets.flat(2));
    const global = (lists: number[][]) =>
      Int32Array.from(lists.flatMap((list, i) => list.map((a) => a + i * n)));
    const losses = tf.tidy(() => {
      const out = rpnLoss(tf.tensor1d(f.objectness), tf.tensor2d(f.predBboxDeltas), {
        labels,
        regressionTargets,
        positive: global(f.sampledPositive),
        negative: global(f.sampledNegative),
      });
      return [out.objectness.dataSync()[0]!, out.boxRegression.dataSync()[0]!];
    });
    expectClose(losses, [f.lossObjectness, f.lossBoxReg], 1e-5, { relative: 'element' });
  });

  it('samples as many positives and negatives as torchvision', () => {
    f.labels.forEach((labels, i) => {
      const sample = sampleBalanced(
        labels,
        f.config.batchSizePerImage,
        f.config.positiveFraction,
        Rng.fromSeed(i),
      );
      expect(sample.positive.length).toBe(f.sampledPositive[i]!.length);
      expect(sample.negative.length).toBe(f.sampledNegative[i]!.length);
      for (const a of sample.positive) expect(labels[a]).toBe(1);
      for (const a of sample.negative) expect(labels[a]).toBe(0);
    });
  });
});

/** A torchvision `[out, in]` Linear weight into ssdet's `[in, out]` variable, and its bias. */
function assignLinear(
  layer: { weight: tf.Variable; bias: tf.Variable | undefined },
  weights: Record<string, Packed>,
  name: string,
): void {
  const weight = weights[`${name}.weight`]!;
  tf.tidy(() => {
    layer.weight.assign(tf.transpose(tf.tensor2d(weight.data, weight.shape as [number, number])));
    layer.bias!.assign(tf.tensor1d(weights[`${name}.bias`]!.data));
  });
}

describe('RoI box head (MultiScaleRoIAlign, TwoMLPHead, FastRCNNPredictor) in eval mode', () => {
  const f = fixture.boxHead;
  const channels = f.features['0']!.shape[1]!;
  const numClasses = f.classLogits[0]!.length;
  const rng = Rng.fromSeed(0);
  const head = new TwoMlpHead(channels, 7, f.weights['box_head.fc6.weight']!.shape[0]!, rng);
  const predictor = new FastRcnnPredictor(head.fc7.outFeatures, numClasses, rng);
  assignLinear(head.fc6, f.weights, 'box_head.fc6');
  assignLinear(head.fc7, f.weights, 'box_head.fc7');
  assignLinear(predictor.classScore, f.weights, 'box_predictor.cls_score');
  assignLinear(predictor.boxPrediction, f.weights, 'box_predictor.bbox_pred');

  const outputs = tf.tidy(() => {
    const levels = f.featureNames.map((name, i) => ({
      features: nchwToNhwc(f.features[name]!),
      stride: 4 * 2 ** i,
    }));
    const pooled = multiScaleRoiAlign(
      levels,
      f.proposals.map((boxes) => boxes),
      { outputSize: 7, samplingRatio: 2, aligned: false },
    );
    const { classLogits, boxDeltas } = predictor.forward(head.forward(pooled));
    return {
      pooled: tf.transpose(pooled, [0, 3, 1, 2]).dataSync(),
      classLogits: classLogits.dataSync(),
      boxDeltas: boxDeltas.dataSync(),
    };
  });

  it('pools the same features and predicts the same logits and deltas', () => {
    expectClose(outputs.pooled, f.pooledFeatures.data, 1e-5, { relative: 'element' });
    expectClose(outputs.classLogits, f.classLogits.flat(), 1e-4, { relative: 'tensor' });
    expectClose(outputs.boxDeltas, f.boxRegression.flat(), 1e-4, { relative: 'tensor' });
  });

  it('post-processes into the same detections (scores, NMS per class, top-k)', () => {
    for (const setting of f.postprocess) {
      let offset = 0;
      f.proposals.forEach((boxes, i) => {
        const count = boxes.length;
        const detections = postprocessDetections(
          Float32Array.from(f.classLogits.slice(offset, offset + count).flat()),
          Float32Array.from(f.boxRegression.slice(offset, offset + count).flat()),
          flat(boxes),
          numClasses,
          f.imageSizes[i]!,
          {
            scoreThreshold: setting.scoreThresh,
            nmsThreshold: setting.nmsThresh,
            detectionsPerImage: setting.detectionsPerImg,
            minSize: 1e-2,
          },
        );
        offset += count;
        const expected = setting.detections[i]!;
        expect(Array.from(detections.labels)).toEqual(expected.labels);
        expectClose(detections.scores, expected.scores, 1e-5);
        expectClose(detections.boxes, expected.boxes.flat(), 1e-4, { relative: 'element' });
      });
    }
  });
});

describe('RoI head training targets and fastrcnn_loss', () => {
  const f = fixture.boxHeadTraining;

  it('labels proposals + ground truth as torchvision (matched object, class, background)', () => {
    f.proposals.forEach((proposals, i) => {
      const rois = labelRois(flat(proposals), flat(f.gtBoxes[i]!), Int32Array.from(f.gtLabels[i]!));
      expect(Array.from(rois.candidates)).toEqual(Array.from(flat(f.proposalsWithGt[i]!)));
      expect(Array.from(rois.labels)).toEqual(f.labels[i]);
      expect(Array.from(rois.matchedObjects)).toEqual(f.matchedIdxsClamped[i]);
    });
  });

  it('gives the same targets for torchvision’s samples, and the same sample sizes', () => {
    f.proposals.forEach((proposals, i) => {
      const rois = labelRois(flat(proposals), flat(f.gtBoxes[i]!), Int32Array.from(f.gtLabels[i]!));
      const targets = roiTargets(rois, Int32Array.from(f.sampledIndices[i]!), flat(f.gtBoxes[i]!));
      expect(Array.from(targets.labels)).toEqual(f.sampledLabels[i]);
      expectClose(targets.proposals, f.sampledProposals[i]!.flat(), 0);
      expectClose(targets.regressionTargets, f.regressionTargets[i]!.flat(), 1e-5, {
        relative: 'element',
      });
      const sample = sampleBalanced(
        rois.labels,
        f.config.batchSizePerImage,
        f.config.positiveFraction,
        Rng.fromSeed(i),
      );
      expect(sample.positive.length).toBe(f.sampledPositive[i]!.length);
      expect(sample.negative.length).toBe(f.sampledNegative[i]!.length);
    });
  });

  it('computes the same classifier and box losses', () => {
    const losses = tf.tidy(() => {
      const out = fastRcnnLoss(
        tf.tensor2d(f.classLogits),
        tf.tensor2d(f.boxRegression),
        Int32Array.from(f.sampledLabels.flat()),
        Float32Array.from(f.regressionTargets.flat(2)),
      );
      return [out.classifier.dataSync()[0]!, out.boxRegression.dataSync()[0]!];
    });
    expectClose(losses, [f.lossClassifier, f.lossBoxReg], 1e-5, { relative: 'element' });
  });
});

describe('Mask R-CNN branch (MaskRCNNHeads, MaskRCNNPredictor, maskrcnn_loss, paste_masks_in_image)', () => {
  const f = fixture.maskHead;
  const rng = Rng.fromSeed(0);
  const layers = [
    f.weights['mask_head.0.0.weight']!.shape[0]!,
    f.weights['mask_head.1.0.weight']!.shape[0]!,
  ];
  const channels = fixture.boxHead.features['0']!.shape[1]!;
  const numClasses = f.weights['mask_predictor.mask_fcn_logits.weight']!.shape[0]!;
  const heads = new MaskRcnnHeads(channels, layers, rng);
  const predictor = new MaskRcnnPredictor(
    layers[1]!,
    f.weights['mask_predictor.conv5_mask.weight']!.shape[1]!,
    numClasses,
    rng,
  );
  loadStateDict(heads, weightMap(f.weights, 'mask_head.'));
  loadStateDict(predictor, weightMap(f.weights, 'mask_predictor.'));

  it('predicts the same mask logits and probabilities for the detections', () => {
    const { logits, probabilities } = tf.tidy(() => {
      const levels = fixture.boxHead.featureNames.map((name, i) => ({
        features: nchwToNhwc(fixture.boxHead.features[name]!),
        stride: 4 * 2 ** i,
      }));
      const pooled = multiScaleRoiAlign(levels, f.inference.boxes, {
        outputSize: 14,
        samplingRatio: 2,
        aligned: false,
      });
      const maskLogits = predictor.forward(heads.forward(pooled));
      const labels = Int32Array.from(f.inference.labels.flat());
      const own = tf.sum(
        tf.mul(
          maskLogits,
          tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), [
            labels.length,
            1,
            1,
            numClasses,
          ]),
        ),
        3,
      );
      return { logits: own.dataSync(), probabilities: tf.sigmoid(own).dataSync() };
    });
    expectClose(logits, f.inference.maskLogitsOfLabel.data, 1e-4, { relative: 'tensor' });
    expectClose(probabilities, f.inference.maskProbs.data, 1e-5);
  });

  it('projects the ground-truth masks onto the RoIs and gives the same loss', () => {
    const t = f.training;
    const [height, width] = t.imageSize;
    const targets = t.proposals.map((proposals, i) => {
      const masks = t.gtMasks[i]!;
      return projectMasksOnBoxes(
        { count: masks.shape[0]!, height, width, data: Float32Array.from(masks.data) },
        flat(proposals),
        Int32Array.from(t.matchedIdxs[i]!),
        28,
      );
    });
    const labels = Int32Array.from(
      t.matchedIdxs.flatMap((idxs, i) => idxs.map((k) => t.gtLabels[i]![k]!)),
    );
    const [targetValues, loss] = tf.tidy(() => {
      const all = tf.concat(targets, 0) as tf.Tensor3D;
      const value = maskRcnnLoss(nchwToNhwc(t.maskLogits), labels, all);
      return [all.dataSync(), value.dataSync()[0]!] as const;
    });
    tf.dispose(targets);
    expectClose(targetValues, t.maskTargets.data, 1e-5);
    expectClose([loss], [t.lossMask], 1e-5, { relative: 'element' });
  });

  it('pastes masks into the image as torchvision does (expanded, truncated, bilinear, cropped)', () => {
    const p = fixture.pasteMasks;
    const [height, width] = p.imageSize;
    const count = p.masks.shape[0]!;
    const pasted = new Float32Array(count * height * width);
    for (let r = 0; r < count; r++) {
      const mask = p.masks.data.slice(r * 28 * 28, (r + 1) * 28 * 28);
      pasted.set(pasteMask(mask, 28, p.boxes[r]!, height, width), r * height * width);
    }
    expectClose(pasted, p.pasted.data, 1e-6);
  });
});

/** The entries under `prefix`, without it, as a state dict for `loadStateDict`. */
function weightMap(weights: Record<string, Packed>, prefix: string): WeightMap {
  return new Map(
    Object.entries(weights)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, packed]) => [
        name.slice(prefix.length),
        { dtype: 'F32', shape: packed.shape, data: Float32Array.from(packed.data) },
      ]),
  );
}
